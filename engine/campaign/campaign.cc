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
         "Run the cross-operator campaign stage (file mode; Kafka mode through the internal "
         "campaign-repartition and campaign-findings topics): counts operators hit by the same "
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
  std::string v = StrCat(c.epoch_ns, "\t", c.revision, "\t", c.pack_version, "\t", c.title, "\t",
                         c.shown ? 1 : 0, "\n");
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
  if ((h.size() != 4 && h.size() != 5) || !ParseInt(h[0], &c->epoch_ns) ||
      !ParseInt(h[1], &c->revision)) {
    return false;
  }
  c->pack_version = std::string(h[2]);
  c->title = std::string(h[3]);
  // Records written before `shown` existed: keep their epoch (and so their id) as it is.
  c->shown = h.size() == 4 || h[4] == "1";
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
  std::string prefix = StrCat(prefix_, kPrefix);
  return store.Scan(state::Cf::kMeta, prefix, [&](std::string_view k, std::string_view v) {
    Campaign c;
    if (!Decode(v, &c)) return absl::DataLossError(StrCat("campaign record '", k, "' is corrupt"));
    campaigns_.emplace(std::string(k.substr(prefix.size())), std::move(c));
    return absl::OkStatus();
  });
}

std::vector<std::string> CampaignStage::KeysOf(const Incident& inc) {
  std::vector<std::string> keys;
  for (const auto& h : inc.patterns) {
    keys.push_back(StrCat("pattern:", h.pack_id, "/", h.entry_id));
    if (!h.actor.empty()) keys.push_back(StrCat("actor:", h.actor));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<Sighting> CampaignStage::Sightings(const Incident& inc) {
  std::vector<Sighting> out;
  if (inc.change == "campaign") return out;
  for (const auto& key : KeysOf(inc)) {
    Sighting s;
    s.key = key;
    s.operator_id = inc.operator_id;
    s.incident_id = inc.id;
    s.partition = inc.partition;
    s.first_seen_ns = inc.first_seen_ns;
    s.last_seen_ns = inc.last_seen_ns;
    for (const auto& h : inc.patterns) {
      if (key == StrCat("pattern:", h.pack_id, "/", h.entry_id)) {
        s.pack_version = h.pack_version;
        s.title = h.title;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

uint32_t CampaignStage::CountOthers(const Campaign& c, const std::string& self) const {
  uint32_t n = 0;
  int64_t newest = INT64_MIN;
  for (const auto& [p, m] : c.members) newest = std::max(newest, m.last_seen_ns);
  for (const auto& [p, m] : c.members) {
    if (p != self && m.last_seen_ns >= newest - opts_.window_ns) ++n;
  }
  return n;
}

uint32_t CampaignStage::OtherOperators(const Incident& inc) const {
  std::string self = pseudo_.Of(inc.operator_id);
  uint32_t best = 0;
  for (const auto& k : KeysOf(inc)) {
    auto it = campaigns_.find(k);
    if (it == campaigns_.end()) continue;
    best = std::max(best, CountOthers(it->second, self));
  }
  return best;
}

absl::Status CampaignStage::Observe(const Incident& inc, const registry::Registry& reg,
                                    const std::set<std::string>& known, bool exercise,
                                    std::vector<route::Output>* out,
                                    std::vector<ReviseRequest>* revise, state::StateDelta* delta) {
  std::vector<Finding> findings;
  for (const auto& s : Sightings(inc)) {
    KZ_RETURN_IF_ERROR(ObserveSighting(s, reg, known, exercise, out, &findings, delta));
  }
  // File mode: everyone else's open incidents on the keys get a "campaign" revision (the
  // sighter's own notification already carries the count).
  for (const auto& f : findings) {
    for (const auto& id : f.incident_ids) revise->push_back({f.partition, id});
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

absl::Status CampaignStage::ObserveSighting(const Sighting& s, const registry::Registry& reg,
                                            const std::set<std::string>& known, bool exercise,
                                            std::vector<route::Output>* out,
                                            std::vector<Finding>* findings,
                                            state::StateDelta* delta) {
  uint32_t op = reg.FindOperator(s.operator_id);
  if (op == kNone) return absl::OkStatus();
  const registry::Operator& me = reg.operators()[op];
  std::string self = pseudo_.Of(s.operator_id);
  const std::string& key = s.key;
  {
    Campaign& c = campaigns_[key];
    size_t before = c.members.size();
    bool joined = c.members.count(self) == 0;
    // Expire members outside the window (event time, relative to this sighting).
    int64_t now = std::max(s.last_seen_ns, int64_t{0});
    for (const auto& [p, m] : c.members) now = std::max(now, m.last_seen_ns);
    std::vector<std::string> gone;
    for (const auto& [p, m] : c.members) {
      if (m.last_seen_ns < now - opts_.window_ns) gone.push_back(p);
    }
    for (const auto& p : gone) c.members.erase(p);
    if (c.members.empty() || before == 0) {
      c.epoch_ns = s.first_seen_ns;
      c.shown = false;
    } else if (!c.shown) {
      c.epoch_ns = std::min(c.epoch_ns, s.first_seen_ns);
    }
    Member& m = c.members[self];
    if (m.operator_id.empty()) {
      m.operator_id = s.operator_id;
      m.first_seen_ns = s.first_seen_ns;
    }
    m.sector = me.sector;
    m.last_seen_ns = std::max(m.last_seen_ns, s.last_seen_ns);
    m.partition = s.partition;
    if (std::find(m.incident_ids.begin(), m.incident_ids.end(), s.incident_id) == m.incident_ids.end()) {
      m.incident_ids.push_back(s.incident_id);
      if (m.incident_ids.size() > kMaxIncidents) m.incident_ids.erase(m.incident_ids.begin());
    }
    if (StartsWith(key, "pattern:")) {
      c.pack_version = s.pack_version;
      c.title = s.title;
    }
    bool changed = joined || !gone.empty();
    if (changed) ++c.revision;
    // Kafka mode: the sighter's notification carried a count that is no longer right.
    if (s.known_count >= 0) {
      uint32_t mine = CountOthers(c, self);
      if (static_cast<int64_t>(mine) != s.known_count) {
        findings->push_back(Finding{s.operator_id, s.partition, key, mine, {s.incident_id}});
      }
    }
    bool show = changed && static_cast<int64_t>(c.members.size()) >= opts_.min_operators;
    if (show) c.shown = true;
    delta->Put(state::Cf::kMeta, StrCat(prefix_, kPrefix, key), Encode(c));
    if (!show) return absl::OkStatus();
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
    // Everyone else's open incidents on this key get a "campaign" revision.
    for (const auto& [p, x] : c.members) {
      if (p == self) continue;
      findings->push_back(Finding{x.operator_id, x.partition, key, CountOthers(c, p), x.incident_ids});
    }
  }
  return absl::OkStatus();
}

void FillOtherOperators(std::string* json, uint32_t count) {
  static constexpr std::string_view kNull = "\"operators_with_same_pattern\":null";
  size_t at = json->find(kNull);
  if (at == std::string::npos) return;
  json->replace(at, kNull.size(), StrCat("\"operators_with_same_pattern\":", count));
}

// ---------------------------------------------------------------------------------------
// Internal-topic records. Layout: a magic tag ("kzcs1" sighting, "kzcf1" finding), then
// fields, each as <decimal length>":"<bytes>. Readers bound every length by what is left.

namespace {

constexpr std::string_view kSightingTag = "kzcs1";
constexpr std::string_view kFindingTag = "kzcf1";
constexpr size_t kMaxFindingIds = 64;

void PutField(std::string* out, std::string_view v) {
  StrAppend(out, v.size(), ":");
  out->append(v.data(), v.size());
}

class FieldReader {
 public:
  explicit FieldReader(std::string_view in) : in_(in) {}
  bool Next(std::string_view* v) {
    size_t colon = in_.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return false;
    uint64_t n = 0;
    if (!ParseInt(in_.substr(0, colon), &n) || n > in_.size() - colon - 1) return false;
    *v = in_.substr(colon + 1, n);
    in_.remove_prefix(colon + 1 + n);
    return true;
  }
  template <typename T>
  bool NextInt(T* out) {
    std::string_view v;
    return Next(&v) && ParseInt(v, out);
  }
  bool NextString(std::string* out) {
    std::string_view v;
    if (!Next(&v)) return false;
    out->assign(v.data(), v.size());
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string EncodeSighting(const Sighting& s) {
  std::string out(kSightingTag);
  PutField(&out, s.key);
  PutField(&out, s.operator_id);
  PutField(&out, s.incident_id);
  PutField(&out, StrCat(s.partition));
  PutField(&out, StrCat(s.first_seen_ns));
  PutField(&out, StrCat(s.last_seen_ns));
  PutField(&out, s.pack_version);
  PutField(&out, s.title);
  PutField(&out, StrCat(s.known_count));
  return out;
}

absl::StatusOr<Sighting> DecodeSighting(std::string_view bytes) {
  if (!StartsWith(bytes, kSightingTag)) {
    return absl::InvalidArgumentError("campaign sighting: unknown record format");
  }
  FieldReader r(bytes.substr(kSightingTag.size()));
  Sighting s;
  bool ok = r.NextString(&s.key) && r.NextString(&s.operator_id) && r.NextString(&s.incident_id) &&
            r.NextInt(&s.partition) && r.NextInt(&s.first_seen_ns) && r.NextInt(&s.last_seen_ns) &&
            r.NextString(&s.pack_version) && r.NextString(&s.title) && r.NextInt(&s.known_count) &&
            r.done();
  if (!ok) return absl::InvalidArgumentError("campaign sighting: truncated or malformed field");
  if (s.partition < 0 || s.known_count < -1 || s.operator_id.empty() || s.incident_id.empty() ||
      !(StartsWith(s.key, "pattern:") || StartsWith(s.key, "actor:"))) {
    return absl::InvalidArgumentError("campaign sighting: field out of range");
  }
  return s;
}

std::string EncodeFinding(const Finding& f) {
  std::string out(kFindingTag);
  PutField(&out, f.operator_id);
  PutField(&out, StrCat(f.partition));
  PutField(&out, f.key);
  PutField(&out, StrCat(f.others));
  PutField(&out, StrCat(f.incident_ids.size()));
  for (const auto& id : f.incident_ids) PutField(&out, id);
  return out;
}

absl::StatusOr<Finding> DecodeFinding(std::string_view bytes) {
  if (!StartsWith(bytes, kFindingTag)) {
    return absl::InvalidArgumentError("campaign finding: unknown record format");
  }
  FieldReader r(bytes.substr(kFindingTag.size()));
  Finding f;
  size_t n = 0;
  bool ok = r.NextString(&f.operator_id) && r.NextInt(&f.partition) && r.NextString(&f.key) &&
            r.NextInt(&f.others) && r.NextInt(&n);
  if (!ok || n > kMaxFindingIds) {
    return absl::InvalidArgumentError("campaign finding: truncated or malformed field");
  }
  f.incident_ids.resize(n);
  for (auto& id : f.incident_ids) {
    if (!r.NextString(&id) || id.empty()) {
      return absl::InvalidArgumentError("campaign finding: truncated incident list");
    }
  }
  if (!r.done()) return absl::InvalidArgumentError("campaign finding: trailing bytes");
  if (f.partition < 0 || f.operator_id.empty() || f.key.empty()) {
    return absl::InvalidArgumentError("campaign finding: field out of range");
  }
  return f;
}

int32_t CampaignPartition(std::string_view key, int32_t partitions) {
  if (partitions <= 0) return 0;
  std::string h = Sha256Hex(key);
  uint32_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    char c = h[i];
    v = (v << 4) | static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<int32_t>(v % static_cast<uint32_t>(partitions));
}

}  // namespace kizashi::campaign
