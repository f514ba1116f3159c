// Resolution: (operator, address | host name) -> critical system | asset (role) | unknown,
// and internal/external classification. Expected targets are read off the YAML by hand.
#include <gtest/gtest.h>

#include "engine/registry/registry.h"

namespace kizashi::registry {
namespace {

constexpr const char* kRegistry = R"(ministries:
  - {id: cas, name_en: Cabinet Secretariat, destination: cas, cabinet_secretariat: true}
  - {id: fsa, name_en: FSA, destination: ministry.fsa}
  - {id: meti, name_en: METI, destination: ministry.meti}
sectors:
  - {id: finance, name_en: Finance, ministry: fsa}
  - {id: electricity, name_en: Electricity, ministry: meti}
operators:
  - id: bank
    name: Bank
    sector: finance
    home_networks: [10.0.0.0/8, "2001:db8:b::/48"]
    consent: {share_identity: true}
    contact: {person: A, means: [{type: phone, value: "0300000001"}, {type: email, value: a@bank.example}]}
    critical_systems:
      - id: core
        internal_only: true
        networks: [10.1.0.0/16, "2001:db8:b:1::/64"]
        hostnames: [Core.Bank.Example]
      - id: core-db
        networks: [10.1.2.0/24]
      - id: hsm
        networks: [10.1.2.3]
      - id: v6-host
        networks: ["2001:db8:b:1::53/128"]
    assets:
      - {id: office-lan, role: other, networks: [10.0.0.0/8]}
      - {id: fw, role: internet_firewall, networks: [192.0.2.1/32]}
      - {id: www, role: advertising_web, networks: [198.51.100.0/24], hostnames: [www.bank.example]}
      - {id: mail, role: office_mail, hostnames: [mail.bank.example]}
  - id: power
    name: Power
    sector: electricity
    home_networks: [10.0.0.0/8]
    contact: {person: B, means: [{type: phone, value: "0300000002"}, {type: fax, value: "0300000003"}]}
    critical_systems:
      - id: scada
        internal_only: true
        networks: [10.1.0.0/16]
        hostnames: [scada.power.example]
  - id: everything
    name: Everything
    sector: electricity
    home_networks: [0.0.0.0/0]
    contact: {person: C, means: [{type: phone, value: "0300000004"}, {type: email, value: c@e.example}]}
    assets:
      - {id: all-v4, role: other, networks: [0.0.0.0/0]}
      - {id: all-v6, role: other, networks: ["::/0"]}
      - {id: top, role: other, networks: [255.255.255.255/32]}
)";

class Resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    RegistryData data;
    ParseRegistryText(kRegistry, "reg.yaml", &data, &diags_);
    ASSERT_FALSE(diags_.has_errors()) << diags_.ToText();
    reg_ = Registry::Build(std::move(data), &diags_);
    ASSERT_NE(reg_, nullptr) << diags_.ToText();
    bank_ = reg_->FindOperator("bank");
    power_ = reg_->FindOperator("power");
    all_ = reg_->FindOperator("everything");
  }
  static IpAddr A(const char* s) {
    IpAddr a;
    EXPECT_TRUE(IpAddr::Parse(s, &a)) << s;
    return a;
  }
  // "system:<id>", "asset:<id>:<role>", "unknown" or "unresolved".
  std::string Name(Resolution r) const {
    switch (r.kind) {
      case TargetKind::kCriticalSystem: return "system:" + reg_->systems()[r.index].id;
      case TargetKind::kNonCriticalAsset:
        return "asset:" + reg_->assets()[r.index].id + ":" +
               std::string(AssetRoleName(reg_->assets()[r.index].role));
      case TargetKind::kUnknownAsset: return "unknown";
      case TargetKind::kUnresolved: return "unresolved";
    }
    return "?";
  }
  std::string Addr(uint32_t op, const char* a) const { return Name(reg_->ResolveAddress(op, A(a))); }
  std::string Host(uint32_t op, std::string_view h) const { return Name(reg_->ResolveHost(op, h)); }

  Diagnostics diags_;
  std::shared_ptr<const Registry> reg_;
  uint32_t bank_ = kNone, power_ = kNone, all_ = kNone;
};

TEST_F(Resolve, NestedPrefixesMostSpecificWins) {
  EXPECT_EQ(Addr(bank_, "10.200.1.1"), "asset:office-lan:other");  // only 10/8
  EXPECT_EQ(Addr(bank_, "10.1.0.1"), "system:core");               // 10.1/16
  EXPECT_EQ(Addr(bank_, "10.1.2.1"), "system:core-db");            // 10.1.2/24
  EXPECT_EQ(Addr(bank_, "10.1.2.3"), "system:hsm");                // /32
  EXPECT_EQ(Addr(bank_, "10.1.2.4"), "system:core-db");
  EXPECT_EQ(Addr(bank_, "10.1.3.0"), "system:core");
  EXPECT_EQ(Addr(bank_, "10.2.0.0"), "asset:office-lan:other");
}

TEST_F(Resolve, AssetRolesAndUnknown) {
  EXPECT_EQ(Addr(bank_, "192.0.2.1"), "asset:fw:internet_firewall");
  EXPECT_EQ(Addr(bank_, "192.0.2.2"), "unknown");
  EXPECT_EQ(Addr(bank_, "198.51.100.77"), "asset:www:advertising_web");
  EXPECT_EQ(Addr(bank_, "203.0.113.9"), "unknown");
  EXPECT_EQ(Host(bank_, "mail.bank.example"), "asset:mail:office_mail");
}

TEST_F(Resolve, Ipv6AndIpv4Mapped) {
  EXPECT_EQ(Addr(bank_, "2001:db8:b:1::1"), "system:core");
  EXPECT_EQ(Addr(bank_, "2001:db8:b:1::53"), "system:v6-host");  // /128
  EXPECT_EQ(Addr(bank_, "2001:db8:b:1::54"), "system:core");
  EXPECT_EQ(Addr(bank_, "2001:db8:b:2::1"), "unknown");
  // An IPv4 address written IPv4-mapped is the IPv4 address.
  EXPECT_EQ(Addr(bank_, "::ffff:10.1.2.3"), "system:hsm");
  EXPECT_EQ(Addr(bank_, "::ffff:c000:201"), "asset:fw:internet_firewall");  // 192.0.2.1
}

TEST_F(Resolve, AHostInTwoOperatorsNetworks) {
  // 10.1.2.3 is bank's hsm and power's scada: each operator is its own namespace.
  EXPECT_EQ(Addr(bank_, "10.1.2.3"), "system:hsm");
  EXPECT_EQ(Addr(power_, "10.1.2.3"), "system:scada");
  EXPECT_EQ(Addr(power_, "10.2.0.1"), "unknown");  // power has no 10/8 asset
  EXPECT_EQ(Host(power_, "core.bank.example"), "unknown");
  EXPECT_EQ(Host(bank_, "scada.power.example"), "unknown");
}

TEST_F(Resolve, SlashZeroAndHostPrefixes) {
  EXPECT_EQ(Addr(all_, "0.0.0.0"), "asset:all-v4:other");
  EXPECT_EQ(Addr(all_, "203.0.113.1"), "asset:all-v4:other");
  EXPECT_EQ(Addr(all_, "255.255.255.254"), "asset:all-v4:other");
  EXPECT_EQ(Addr(all_, "255.255.255.255"), "asset:top:other");
  EXPECT_EQ(Addr(all_, "::"), "asset:all-v6:other");
  EXPECT_EQ(Addr(all_, "2001:db8::1"), "asset:all-v6:other");
  EXPECT_EQ(Addr(all_, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "asset:all-v6:other");
}

TEST_F(Resolve, UnknownOperatorAndInvalidInput) {
  EXPECT_EQ(reg_->FindOperator("nobody"), kNone);
  EXPECT_EQ(reg_->FindOperator(""), kNone);
  EXPECT_EQ(Name(reg_->ResolveAddress(kNone, A("10.1.2.3"))), "unresolved");
  EXPECT_EQ(Name(reg_->ResolveAddress(3, A("10.1.2.3"))), "unresolved");  // 3 operators
  EXPECT_EQ(Name(reg_->ResolveAddress(bank_, IpAddr{})), "unresolved");
  EXPECT_EQ(Name(reg_->ResolveHost(kNone, "core.bank.example")), "unresolved");
  EXPECT_EQ(Name(reg_->ResolveHost(bank_, "")), "unresolved");
  EXPECT_FALSE(reg_->IsInternal(kNone, A("10.0.0.1")));
  EXPECT_FALSE(reg_->IsInternal(bank_, IpAddr{}));
}

TEST_F(Resolve, HostNamesAreCaseInsensitiveAndIgnoreTheTrailingDot) {
  EXPECT_EQ(Host(bank_, "core.bank.example"), "system:core");
  EXPECT_EQ(Host(bank_, "CORE.BANK.EXAMPLE"), "system:core");
  EXPECT_EQ(Host(bank_, "Core.Bank.Example."), "system:core");
  EXPECT_EQ(Host(bank_, "core.bank.example.."), "unknown");
  EXPECT_EQ(Host(bank_, "ore.bank.example"), "unknown");
  EXPECT_EQ(Host(bank_, "www.bank.example"), "asset:www:advertising_web");
  EXPECT_EQ(Host(bank_, std::string(300, 'a')), "unknown");  // longer than any host name
}

TEST_F(Resolve, HostThatIsAnAddressResolvesByAddress) {
  EXPECT_EQ(Host(bank_, "10.1.2.3"), "system:hsm");
  EXPECT_EQ(Host(bank_, "2001:db8:b:1::53"), "system:v6-host");
  EXPECT_EQ(Host(bank_, "192.0.2.200"), "unknown");
}

TEST_F(Resolve, InternalExternal) {
  EXPECT_TRUE(reg_->IsInternal(bank_, A("10.255.255.255")));
  EXPECT_TRUE(reg_->IsInternal(bank_, A("::ffff:10.0.0.1")));
  EXPECT_TRUE(reg_->IsInternal(bank_, A("2001:db8:b:ffff::1")));
  EXPECT_FALSE(reg_->IsInternal(bank_, A("2001:db8:c::1")));
  EXPECT_FALSE(reg_->IsInternal(bank_, A("11.0.0.0")));
  EXPECT_FALSE(reg_->IsInternal(bank_, A("192.0.2.1")));  // its own firewall, but outside
  // 0.0.0.0/0 makes every IPv4 address internal, and no IPv6 address.
  EXPECT_TRUE(reg_->IsInternal(all_, A("203.0.113.1")));
  EXPECT_FALSE(reg_->IsInternal(all_, A("2001:db8::1")));
}

TEST_F(Resolve, OperatorFactsForRouting) {
  const Operator& o = reg_->operators()[bank_];
  EXPECT_EQ(o.systems.size(), 4u);
  EXPECT_EQ(o.assets.size(), 4u);
  EXPECT_TRUE(o.consent.share_identity);
  EXPECT_FALSE(o.consent.share_sector);
  EXPECT_EQ(reg_->sectors()[reg_->SectorOf(bank_)].id, "finance");
  EXPECT_EQ(reg_->ministries()[reg_->MinistryOf(bank_)].destination, "ministry.fsa");
  EXPECT_EQ(reg_->ministries()[reg_->MinistryOf(power_)].id, "meti");
  EXPECT_EQ(reg_->SectorOf(kNone), kNone);
  EXPECT_EQ(reg_->MinistryOf(99), kNone);
  EXPECT_TRUE(reg_->systems()[reg_->ResolveAddress(bank_, A("10.1.0.1")).index].internal_only);
  EXPECT_EQ(reg_->version().size(), 12u);
}

}  // namespace
}  // namespace kizashi::registry
