// Shared fixtures for the stage tests: a small registry, pattern set and rule text.
#pragma once

#include <memory>
#include <string>

#include "engine/common/diag.h"
#include "engine/correlate/rule.h"
#include "engine/registry/registry.h"
#include "patterns/compile/pattern_set.h"

namespace kizashi::testing {

inline const char* kRegistryYaml = R"(
ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: fsa, name_en: FSA, destination: fsa}
  - {id: mlit, name_en: MLIT, destination: mlit, forwarding: after_acknowledgement}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
  - {id: railway, name_en: Railway, ministry: mlit}
  - {id: government, name_en: Government, ministry: cas}
operators:
  - id: bank
    name: Bank
    sector: finance
    home_networks: [10.0.0.0/8]
    observation_destination: obs-bank
    contact: {person: P, means: [{type: phone, value: "+81-3-0000-0001"}, {type: email, value: soc@bank.example}]}
    critical_systems:
      - {id: core, name: Core, internal_only: true, networks: [10.1.0.0/16], hostnames: [cbs01]}
      - {id: atm, name: ATM network, internal_only: false, networks: [10.2.0.0/16]}
    assets:
      - {id: adweb, role: advertising_web, networks: [203.0.113.10/32]}
  - id: gov
    name: Ministry X
    sector: government
    contact: {person: P, means: [{type: phone, value: "+81-3-0000-0002"}, {type: fax, value: "+81-3-0000-0003"}]}
    critical_systems:
      - {id: portal, name: Portal, internal_only: true, networks: [10.5.0.0/16]}
  - id: rail
    name: Rail
    sector: railway
    contact: {person: P, means: [{type: phone, value: "+81-3-0000-0002"}, {type: fax, value: "+81-3-0000-0003"}]}
    critical_systems:
      - {id: ttc, name: TTC, internal_only: true, networks: [172.20.0.0/16]}
)";

inline std::shared_ptr<const registry::Registry> TestRegistry() {
  registry::RegistryData data;
  Diagnostics d;
  registry::ParseRegistryText(kRegistryYaml, "test-registry.yaml", &data, &d);
  auto reg = registry::Registry::Build(std::move(data), &d);
  if (!reg) throw std::runtime_error(d.ToText());
  return reg;
}

inline const char* kPackYaml = R"(
pack: {id: p, version: "1", issuer: test}
entries:
  - {id: ssh-fail, regex: 'Failed password', fields: [message], attack_type: unauthorized_access, severity: medium}
  - {id: exploit, regex: 'EXPLOIT', fields: [alert.signature], attack_type: unauthorized_access, severity: high}
  - {id: backdoor, regex: 'bindshell', fields: [payload], attack_type: preparatory, severity: high}
  - {id: steal, regex: 'passwd-dump', fields: [payload], attack_type: credential_theft, severity: high}
  - {id: wiper, kind: virus_signature, hex: '4b5a57', fields: [payload], attack_type: destruction, severity: critical, may_disrupt_critical_systems: true}
  - {id: apt, kind: actor_indicator, regex: 'apt-c2\.example', fields: [dns.rrname], attack_type: malware, severity: high, actor: APT-X}
  - {id: pastcase, regex: 'legacy-rce', fields: [payload], attack_type: unauthorized_access, severity: low, references: ["case:2019-01"]}
)";

inline std::shared_ptr<const patterns::PatternSet> TestPatterns() {
  Diagnostics d;
  auto pack = patterns::ParsePackText(kPackYaml, "test-pack.yaml", &d);
  auto set = patterns::PatternSet::Compile({pack}, &d);
  if (!set) throw std::runtime_error(d.ToText());
  return set;
}

}  // namespace kizashi::testing
