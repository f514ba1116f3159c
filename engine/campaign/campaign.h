// Cross-operator campaigns without revealing operators (framework 4(1), DESIGN.md §4).
//
// Keyed by pattern ("pattern:<pack>/<entry>") and by actor ("actor:<name>", Annex 4 (d)
// indicators): each key keeps the operators whose incidents matched it, with the event time
// they were last seen. An operator stays a member while its last sighting is within `window`
// of the newest sighting of that key (event time: a replay reproduces the same campaigns).
// When a key's membership changes and it holds at least `min_operators`:
//   - a campaign view `kizashi.campaign/1` (id from the key and the epoch the campaign
//     started, revision counting its changes) goes to the Cabinet Secretariat and the
//     competent ministries of the members' sectors: counts of operators and sectors, time
//     window, pattern, and members by pseudonym — a member's name or sector only with its
//     registry consent;
//   - every *other* member's open incident on that key is due a "campaign" revision, so its
//     notification's "possibility of attacks on other operators" carries the new count.
// Notifications only ever carry a count (OtherOperators), never names or pseudonyms.
//
// Pseudonyms: "op-" + first 16 hex of HMAC-SHA-256(key, operator id). Stable across runs and
// instances for one key; unlinkable to the id without it. The key is a secret file.
//
// State: one record per key in the state store's meta column family ("campaign|<key>"),
// written through the batch's StateDelta, so campaigns commit atomically with positions.
//
// Ownership: one CampaignStage per Worker (single thread). File mode runs every partition
// in one worker, so the stage sees all of them. In Kafka mode each worker would see only its
// partitions: the runner does not enable the stage there (the repartition topic is missing).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/schema.h"
#include "engine/correlate/incident.h"
#include "engine/registry/registry.h"
#include "engine/route/router.h"
#include "engine/state/state_store.h"

namespace kizashi::campaign {

struct CampaignOptions {
  // Run the cross-operator stage (file mode). Needs pseudonym_key. Default: false.
  bool enabled = false;
  // File holding the secret HMAC key for operator pseudonyms (any bytes; at least 16).
  std::string pseudonym_key;
  // Event-time window within which sightings of one pattern count together. Default: 24h.
  int64_t window_ns = 24LL * 3600 * 1'000'000'000;
  // Operators needed before a campaign view is produced. Default: 2.
  int64_t min_operators = 2;
  static void Declare(config::Schema& s, CampaignOptions* o);
};

class Pseudonymizer {
 public:
  explicit Pseudonymizer(std::string key) : key_(std::move(key)) {}
  std::string Of(std::string_view operator_id) const;

 private:
  std::string key_;
};

// An incident the worker must revise ("campaign" change).
struct ReviseRequest {
  int32_t partition = 0;
  std::string incident_id;
};

class CampaignStage {
 public:
  static constexpr size_t kMaxIncidents = 8;
  CampaignStage(const CampaignOptions& options, std::string key)
      : opts_(options), pseudo_(std::move(key)) {}

  // Reads every campaign record from the store (call once before the first Observe).
  absl::Status Load(const state::StateStore& store);

  // Feeds one incident revision. Appends campaign views to `out` (destinations checked
  // against `known`, fail closed), the incidents to revise to `revise`, and state changes to
  // `delta`. Revisions whose change is "campaign" are ignored (they are this stage's echo).
  absl::Status Observe(const correlate::Incident& inc, const registry::Registry& reg,
                       const std::set<std::string>& known, bool exercise,
                       std::vector<route::Output>* out, std::vector<ReviseRequest>* revise,
                       state::StateDelta* delta);

  // How many *other* operators were seen with any of `inc`'s patterns or actors in the
  // window (the notification's "possibility of attacks on other operators").
  uint32_t OtherOperators(const correlate::Incident& inc) const;

  const Pseudonymizer& pseudonymizer() const { return pseudo_; }

 private:
  struct Member {
    std::string operator_id;  // internal state only; documents use the pseudonym
    std::string sector;
    int64_t first_seen_ns = 0;
    int64_t last_seen_ns = 0;
    int32_t partition = 0;
    // This operator's latest incidents on the key (newest last, at most kMaxIncidents).
    std::vector<std::string> incident_ids;
  };
  struct Campaign {
    int64_t epoch_ns = 0;  // first sighting of the current campaign
    uint32_t revision = 0;
    std::string pack_version;
    std::string title;
    std::map<std::string, Member> members;  // by pseudonym (sorted: deterministic output)
  };
  static std::string Encode(const Campaign& c);
  static bool Decode(std::string_view v, Campaign* c);
  std::vector<std::string> Keys(const correlate::Incident& inc) const;

  CampaignOptions opts_;
  Pseudonymizer pseudo_;
  std::map<std::string, Campaign> campaigns_;
};

// Replaces the notification's `"operators_with_same_pattern":null` with `count`.
void FillOtherOperators(std::string* notification_json, uint32_t count);

}  // namespace kizashi::campaign
