#include "engine/campaign/campaign.h"

#include <algorithm>

#include "engine/common/hash.h"
#include "engine/common/json_writer.h"
#include "engine/common/status.h"
#include "engine/common/strings.h"
#include "engine/common/time.h"

namespace kizashi::campaign {

using correlate::Incident;

namespace {
constexpr std::string_view kPrefix = "campaign|";
}

void CampaignOptions::Declare(config::Schema& s, CampaignOptions* o) {
  s.Bool("enabled", &o->enabled,
         "Run the cross-operator campaign stage (file mode): counts operators hit by the same "
         "pattern or actor, campaign views for the ministries and the Cabinet Secretariat.");
  s.String("pseudonym_key", &o->pseudonym_key,
           "File holding the secret HMAC-SHA-256 key for operator pseudonyms (at least 16 "
           "bytes). Keep it stable: pseudonyms change with it.");
  s.Duration("window", &o->window_ns,
             "Event-time window within which sightings of one pattern count together.",
             60'000'000'000LL, 365LL * 24 * 3600 * 1'000'000'000);
  s.Int("min_operators", &o->min_operators,
        "Operators needed before a campaign view is produced.", 2, 1000000);
}

std::string Pseudonymizer::Of(std::string_view operator_id) const {
  return StrCat("op-", HmacSha256Hex(key_, operator_id).substr(0, 16));
}

std::string CampaignStage::Encode(const Campaign& c) {
  std::string v = StrCat(c.epoch_ns, "\t", c.revision, "\t", c.pack_version, "\t", c.title, "\n");
  for (const auto& [p, m] : c.members) {
    StrAppend(&v, p, "\t", m.operator_id, "\t", m.sector, "\t", m.first_seen_ns, "\t",
              m.last_seen_ns, "\t", m.partition, "\t", Join(m.incident_ids, ","), "\n");
  }
  return v;
}

bool CampaignStage::Decode(std::string_view v, Campaign* c) {
  std::vector<std::string_view> lines = Split(v, '\n', true);
  if (lines.empty()) return false;
  std::vector<std::string_view> h = Split(lines[0], '\t');
  if (h.size() != 4 || !ParseInt(h[0], &c->epoch_ns) || !ParseInt(h[1], &c->revision)) return false;
  c->pack_version = std::string(h[2]);
  c->title = std::string(h[3]);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> f = Split(lines[i], '\t');
    if (f.size() != 7) return false;
    Member m;
    m.operator_id = std::string(f[1]);
    m.sector = std::string(f[2]);
    if (!ParseInt(f[3], &m.first_seen_ns) || !ParseInt(f[4], &m.last_seen_ns) ||
        !ParseInt(f[5], &m.partition)) {
      return false;
    }
    for (auto id : Split(f[6], ',', true)) m.incident_ids.emplace_back(id);
    c->members.emplace(std::string(f[0]), std::move(m));
  }
  return true;
}

absl::Status CampaignStage::Load(const state::StateStore& store) {
  campaigns_.clear();
  return store.Scan(state::Cf::kMeta, kPrefix, [&](std::string_view k, std::string_view v) {
    Campaign c;
    if (!Decode(v, &c)) return absl::DataLossError(StrCat("campaign record '", k, "' is corrupt"));
    campaigns_.emplace(std::string(k.substr(kPrefix.size())), std::move(c));
    return absl::OkStatus();
  });
}

std::vector<std::string> CampaignStage::Keys(const Incident& inc) const {
  std::vector<std::string> keys;
  for (const auto& h : inc.patterns) {
    keys.push_back(StrCat("pattern:", h.pack_id, "/", h.entry_id));
    if (!h.actor.empty()) keys.push_back(StrCat("actor:", h.actor));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

uint32_t CampaignStage::OtherOperators(const Incident& inc) const {
  std::string self = pseudo_.Of(inc.operator_id);
  uint32_t best = 0;
  for (const auto& k : Keys(inc)) {
    auto it = campaigns_.find(k);
    if (it == campaigns_.end()) continue;
    uint32_t n = 0;
    int64_t newest = INT64_MIN;
    for (const auto& [p, m] : it->second.members) newest = std::max(newest, m.last_seen_ns);
    for (const auto& [p, m] : it->second.members) {
      if (p != self && m.last_seen_ns >= newest - opts_.window_ns) ++n;
    }
    best = std::max(best, n);
  }
  return best;
}

absl::Status CampaignStage::Observe(const Incident& inc, const registry::Registry& reg,
                                    const std::set<std::string>& known, bool exercise,
                                    std::vector<route::Output>* out,
                                    std::vector<ReviseRequest>* revise, state::StateDelta* delta) {
  if (inc.change == "campaign") return absl::OkStatus();
  uint32_t op = reg.FindOperator(inc.operator_id);
  if (op == kNone) return absl::OkStatus();
  const registry::Operator& me = reg.operators()[op];
  std::string self = pseudo_.Of(inc.operator_id);
  for (const auto& key : Keys(inc)) {
    Campaign& c = campaigns_[key];
    size_t before = c.members.size();
    bool joined = c.members.count(self) == 0;
    // Expire members outside the window (event time, relative to this sighting).
    int64_t now = std::max(inc.last_seen_ns, 0L);
    for (const auto& [p, m] : c.members) now = std::max(now, m.last_seen_ns);
    std::vector<std::string> gone;
    for (const auto& [p, m] : c.members) {
      if (m.last_seen_ns < now - opts_.window_ns) gone.push_back(p);
    }
    for (const auto& p : gone) c.members.erase(p);
    if (c.members.empty() || before == 0) c.epoch_ns = inc.first_seen_ns;
    Member& m = c.members[self];
    if (m.operator_id.empty()) {
      m.operator_id = inc.operator_id;
      m.first_seen_ns = inc.first_seen_ns;
    }
    m.sector = me.sector;
    m.last_seen_ns = std::max(m.last_seen_ns, inc.last_seen_ns);
    m.partition = inc.partition;
    if (std::find(m.incident_ids.begin(), m.incident_ids.end(), inc.id) == m.incident_ids.end()) {
      m.incident_ids.push_back(inc.id);
      if (m.incident_ids.size() > kMaxIncidents) m.incident_ids.erase(m.incident_ids.begin());
    }
    for (const auto& h : inc.patterns) {
      if (key == StrCat("pattern:", h.pack_id, "/", h.entry_id)) {
        c.pack_version = h.pack_version;
        c.title = h.title;
      }
    }
    bool changed = joined || !gone.empty();
    if (changed) ++c.revision;
    delta->Put(state::Cf::kMeta, StrCat(kPrefix, key), Encode(c));
    if (!changed || static_cast<int64_t>(c.members.size()) < opts_.min_operators) continue;

    // Destinations: the Cabinet Secretariat and the members' competent ministries.
    std::set<std::string> dests, sectors;
    auto dest = [&](const std::string& d) { return exercise ? StrCat(d, ".exercise") : d; };
    if (reg.cabinet_secretariat() != kNone) {
      dests.insert(dest(reg.ministries()[reg.cabinet_secretariat()].destination));
    }
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (const auto& [p, x] : c.members) {
      sectors.insert(x.sector);
      first = std::min(first, x.first_seen_ns);
      last = std::max(last, x.last_seen_ns);
      uint32_t si = reg.FindSector(x.sector);
      if (si == kNone) continue;
      uint32_t mi = reg.FindMinistry(reg.sectors()[si].ministry);
      if (mi != kNone) dests.insert(dest(reg.ministries()[mi].destination));
    }
    for (const auto& d : dests) {
      if (known.count(d) == 0) {
        return absl::FailedPreconditionError(
            StrCat("campaign destination '", d, "' is not configured; holding"));
      }
    }
    std::string id = IdBuilder().Add("campaign").Add(key).Add(c.epoch_ns).Finish();
    std::string consent_basis;
    for (const auto& d : dests) {
      std::string json;
      JsonWriter w(&json);
      w.BeginObject();
      w.KV("schema", "kizashi.campaign/1");
      w.KV("campaign_id", id);
      w.KV("revision", c.revision);
      w.KV("destination", d);
      w.KV("exercise", exercise);
      bool actor = StartsWith(key, "actor:");
      w.Key("key").BeginObject().KV("type", actor ? "actor" : "pattern")
          .KV("value", key.substr(key.find(':') + 1));
      if (!actor) w.KV("pack_version", c.pack_version).KV("title", c.title);
      w.EndObject();
      w.KV("operator_count", static_cast<uint64_t>(c.members.size()));
      w.KV("sector_count", static_cast<uint64_t>(sectors.size()));
      w.Key("time_window").BeginObject();
      w.KV("first_seen", FormatRfc3339(first, 0));
      w.KV("last_seen", FormatRfc3339(last, 0));
      w.EndObject();
      w.Key("members").BeginArray();
      consent_basis.clear();
      for (const auto& [p, x] : c.members) {
        w.BeginObject().KV("pseudonym", p);
        uint32_t xo = reg.FindOperator(x.operator_id);
        if (xo != kNone) {
          const registry::Operator& o = reg.operators()[xo];
          if (o.consent.share_identity) w.KV("name", o.name);
          if (o.consent.share_sector) w.KV("sector", o.sector);
          if (o.consent.share_identity || o.consent.share_sector) {
            StrAppend(&consent_basis, "; consent of ", o.id, ": ",
                      o.consent.record.empty() ? "registry consent flag" : o.consent.record);
          }
        }
        w.KV("first_seen", FormatRfc3339(x.first_seen_ns, 0));
        w.KV("last_seen", FormatRfc3339(x.last_seen_ns, 0));
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
      route::Output o;
      o.destination = d;
      o.kind = route::DocKind::kCampaign;
      o.document_id = id;
      o.revision = c.revision;
      o.operator_id = "";
      std::vector<std::string> ids;
      for (const auto& [p, x] : c.members) ids.push_back(x.operator_id);
      std::sort(ids.begin(), ids.end());
      o.subject_operator = Join(ids, ",");  // the ledger indexes each
      o.basis = StrCat("framework 4(1): reported information to the competent ministries and "
                       "the Cabinet Secretariat, operators pseudonymised",
                       consent_basis);
      o.json = std::move(json);
      out->push_back(std::move(o));
    }
    // Everyone else's open incident on this key gets a "campaign" revision.
    for (const auto& [p, x] : c.members) {
      if (p == self) continue;
      for (const auto& id : x.incident_ids) revise->push_back({x.partition, id});
    }
  }
  std::sort(revise->begin(), revise->end(), [](const ReviseRequest& a, const ReviseRequest& b) {
    return std::tie(a.partition, a.incident_id) < std::tie(b.partition, b.incident_id);
  });
  revise->erase(std::unique(revise->begin(), revise->end(),
                            [](const ReviseRequest& a, const ReviseRequest& b) {
                              return a.partition == b.partition && a.incident_id == b.incident_id;
                            }),
                revise->end());
  return absl::OkStatus();
}

void FillOtherOperators(std::string* json, uint32_t count) {
  static constexpr std::string_view kNull = "\"operators_with_same_pattern\":null";
  size_t at = json->find(kNull);
  if (at == std::string::npos) return;
  json->replace(at, kNull.size(), StrCat("\"operators_with_same_pattern\":", count));
}

}  // namespace kizashi::campaign
