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
// Kafka mode (docs/information-handling.md): the stage cannot run beside the correlators,
// which see only their partitions. Each incident revision becomes one Sighting per key,
// produced to the internal repartition topic keyed by the key; the task that owns the key's
// partition of that topic runs ObserveSighting (its state under that partition's prefix, so
// it moves with the partition's changelog) and returns Findings — a member's count of other
// operators and the incidents to revise — to the partition that owns the member's input.
//
// Ownership: file mode: one CampaignStage per Worker, which runs every partition, so the
// stage sees all of them. Kafka mode: one per owned partition of the repartition topic, in
// the worker that owns that partition group. Thread contract: single thread.
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
  // Run the cross-operator stage (file mode, or Kafka mode through the internal campaign
  // topics). Needs pseudonym_key. Default: false.
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

// What the stage needs of one incident revision for one key (pattern or actor). In Kafka mode
// it is the record of the repartition topic (key = `key`), produced in the same transaction
// as the incident's other outputs.
struct Sighting {
  std::string key;          // "pattern:<pack>/<entry>" or "actor:<name>"
  std::string operator_id;  // internal topic only; documents carry pseudonyms
  std::string incident_id;
  int32_t partition = 0;    // the input partition whose correlator owns the incident
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  std::string pack_version;  // pattern keys: the matched entry's pack version and title
  std::string title;
  // Kafka mode: the count of other operators on `key` the incident's notification carried
  // (what its partition last learnt from a Finding); -1 (file mode): the stage counts itself.
  int64_t known_count = -1;
};

// The stage's answer for one member of a key: its count of other operators on the key, and
// its incidents due a "campaign" revision. Kafka mode: the record of the findings topic, keyed
// by operator, on partition `partition` (co-partitioned with the inputs).
struct Finding {
  std::string operator_id;
  int32_t partition = 0;
  std::string key;
  uint32_t others = 0;
  std::vector<std::string> incident_ids;
};

// Record encodings of the internal topics: versioned, length-prefixed fields. Decoding
// untrusted bytes returns an error, never crashes or reads out of bounds.
std::string EncodeSighting(const Sighting& s);
absl::StatusOr<Sighting> DecodeSighting(std::string_view bytes);
std::string EncodeFinding(const Finding& f);
absl::StatusOr<Finding> DecodeFinding(std::string_view bytes);

// The repartition-topic partition of a campaign key: SHA-256 based, so every instance and
// version agrees (never std::hash). `partitions` > 0.
int32_t CampaignPartition(std::string_view key, int32_t partitions);

class CampaignStage {
 public:
  static constexpr size_t kMaxIncidents = 8;
  // `state_prefix` is prepended to the stage's state keys: empty in file mode (one stage for
  // the process), the partition prefix of the repartition partition in Kafka mode (the
  // changelog routes a key to the partition its prefix names).
  CampaignStage(const CampaignOptions& options, std::string key, std::string state_prefix = "")
      : opts_(options), pseudo_(std::move(key)), prefix_(std::move(state_prefix)) {}

  // Reads every campaign record from the store (call once before the first Observe).
  absl::Status Load(const state::StateStore& store);

  // The keys an incident is sighted under (sorted, unique).
  static std::vector<std::string> KeysOf(const correlate::Incident& inc);
  // One sighting per key of `inc` (none for "campaign" revisions: the stage's own echo).
  static std::vector<Sighting> Sightings(const correlate::Incident& inc);

  // Feeds one sighting (Kafka mode; file mode goes through Observe). Appends campaign views
  // to `out`, and to `findings`: every other member when the membership changed and the
  // campaign is visible (their incidents get revised), and — when `s.known_count` >= 0 and
  // differs from the sighter's count — the sighter itself with `s.incident_id`.
  absl::Status ObserveSighting(const Sighting& s, const registry::Registry& reg,
                               const std::set<std::string>& known, bool exercise,
                               std::vector<route::Output>* out, std::vector<Finding>* findings,
                               state::StateDelta* delta);

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
    // Earliest first sighting of the current campaign's members; fixed once the campaign
    // has been shown (a view emitted), so its id does not depend on which of the first
    // members' sightings arrived first (Kafka mode: they come from different partitions).
    int64_t epoch_ns = 0;
    bool shown = false;
    uint32_t revision = 0;
    std::string pack_version;
    std::string title;
    std::map<std::string, Member> members;  // by pseudonym (sorted: deterministic output)
  };
  static std::string Encode(const Campaign& c);
  static bool Decode(std::string_view v, Campaign* c);
  // Members of `c` within the window, other than `self`.
  uint32_t CountOthers(const Campaign& c, const std::string& self) const;

  CampaignOptions opts_;
  Pseudonymizer pseudo_;
  std::string prefix_;
  std::map<std::string, Campaign> campaigns_;
};

// Replaces the notification's `"operators_with_same_pattern":null` with `count`.
void FillOtherOperators(std::string* notification_json, uint32_t count);

}  // namespace kizashi::campaign
