#include "patterns/compile/indicator_index.h"

#include <algorithm>

#include "engine/common/ip.h"
#include "engine/common/strings.h"

namespace kizashi::patterns {

namespace {

uint64_t Mask(int bits) { return bits <= 0 ? 0 : bits >= 64 ? ~0ULL : ~0ULL << (64 - bits); }

void MaskKey(uint64_t hi, uint64_t lo, int prefix, uint64_t* mhi, uint64_t* mlo) {
  *mhi = hi & Mask(prefix);
  *mlo = lo & Mask(prefix - 64);
}

void LowerInto(std::string_view in, std::string* out) {
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    (*out)[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
}

inline uint32_t Bit(FieldId f) { return 1u << static_cast<unsigned>(f); }

}  // namespace

void IndicatorIndex::Add(const Item& item) {
  items_.push_back(item);
  ++count_;
  fields_used_ |= item.field_mask;
  Hit hit{item.entry, item.field_mask};
  const std::string& v = item.indicator.value;
  switch (item.indicator.type) {
    case IndicatorType::kIp: {
      Cidr c;
      if (!Cidr::Parse(v, &c, /*allow_host_bits=*/true)) return;  // validated by the parser
      uint64_t hi, lo;
      MaskKey(c.addr.hi(), c.addr.lo(), c.prefix, &hi, &lo);
      auto it = std::find_if(ip_by_prefix_.begin(), ip_by_prefix_.end(),
                             [&](const auto& p) { return p.first == c.prefix; });
      if (it == ip_by_prefix_.end()) {
        ip_by_prefix_.emplace_back(c.prefix, IpMap());
        it = ip_by_prefix_.end() - 1;
      }
      it->second[IpKey{hi, lo}].push_back(hit);
      break;
    }
    case IndicatorType::kDomain: domains_[v].push_back(hit); break;
    case IndicatorType::kUrl: urls_[v].push_back(hit); break;
    case IndicatorType::kMd5: md5_[v].push_back(hit); break;
    case IndicatorType::kSha1: sha1_[v].push_back(hit); break;
    case IndicatorType::kSha256: sha256_[v].push_back(hit); break;
  }
}

void IndicatorIndex::Finish() {
  // Longest prefixes first: purely cosmetic (all lengths are probed), but deterministic.
  std::sort(ip_by_prefix_.begin(), ip_by_prefix_.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
}

void IndicatorIndex::LookupIp(const IpAddr& a, FieldId field, std::vector<Match>* out) const {
  const uint64_t hi = a.hi(), lo = a.lo();
  const uint32_t bit = Bit(field);
  for (const auto& [prefix, map] : ip_by_prefix_) {
    uint64_t mhi, mlo;
    MaskKey(hi, lo, prefix, &mhi, &mlo);
    auto it = map.find(IpKey{mhi, mlo});
    if (it == map.end()) continue;
    for (const Hit& h : it->second) {
      if (h.field_mask & bit) out->push_back(Match{h.entry, field});
    }
  }
}

void IndicatorIndex::LookupStr(const StrMap& map, std::string_view key, FieldId field,
                               std::vector<Match>* out) const {
  auto it = map.find(key);
  if (it == map.end()) return;
  const uint32_t bit = Bit(field);
  for (const Hit& h : it->second) {
    if (h.field_mask & bit) out->push_back(Match{h.entry, field});
  }
}

void IndicatorIndex::LookupDomain(std::string_view name, FieldId field, std::vector<Match>* out,
                                  std::string* scratch) const {
  LowerInto(name, scratch);
  std::string_view d = *scratch;
  while (!d.empty() && d.back() == '.') d.remove_suffix(1);
  while (!d.empty()) {
    LookupStr(domains_, d, field, out);
    size_t dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
}

void IndicatorIndex::Lookup(const Event& event, std::vector<Match>* out,
                            std::string* scratch) const {
  if (count_ == 0) return;
  const size_t first = out->size();
  if (!ip_by_prefix_.empty()) {
    if ((fields_used_ & Bit(FieldId::kSrcIp)) && event.src.valid) {
      LookupIp(event.src, FieldId::kSrcIp, out);
    }
    if ((fields_used_ & Bit(FieldId::kDstIp)) && event.dst.valid) {
      LookupIp(event.dst, FieldId::kDstIp, out);
    }
  }
  if (!domains_.empty()) {
    for (FieldId f : {FieldId::kDnsRrname, FieldId::kHttpHostname, FieldId::kTlsSni}) {
      std::string_view v = event.field(f);
      if (!v.empty() && (fields_used_ & Bit(f))) LookupDomain(v, f, out, scratch);
    }
  }
  if (!urls_.empty() && (fields_used_ & Bit(FieldId::kHttpUrl))) {
    std::string_view url = event.field(FieldId::kHttpUrl);
    if (!url.empty()) {
      std::string_view host = event.field(FieldId::kHttpHostname);
      size_t scheme = url.find("://");
      if (scheme != std::string_view::npos && scheme < 10) {  // absolute-form request target
        std::string_view rest = url.substr(scheme + 3);
        size_t slash = rest.find('/');
        host = rest.substr(0, slash);
        url = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      }
      if (!host.empty() && host.front() != '[') {
        size_t port = host.rfind(':');
        if (port != std::string_view::npos) host = host.substr(0, port);
      }
      LowerInto(host, scratch);
      while (!scratch->empty() && scratch->back() == '.') scratch->pop_back();
      scratch->append(url);
      size_t frag = scratch->find('#');
      if (frag != std::string::npos) scratch->resize(frag);
      LookupStr(urls_, *scratch, FieldId::kHttpUrl, out);
    }
  }
  struct HashField {
    const StrMap* map;
    FieldId field;
  };
  for (const HashField& h : {HashField{&md5_, FieldId::kFileMd5},
                             HashField{&sha1_, FieldId::kFileSha1},
                             HashField{&sha256_, FieldId::kFileSha256}}) {
    if (h.map->empty()) continue;
    std::string_view v = event.field(h.field);
    if (v.empty() || !(fields_used_ & Bit(h.field))) continue;
    LowerInto(v, scratch);
    LookupStr(*h.map, *scratch, h.field, out);
  }
  // An entry with several values can hit the same field more than once (a domain and its
  // parent): keep the first.
  if (out->size() - first > 1) {
    auto begin = out->begin() + static_cast<std::ptrdiff_t>(first);
    auto end = out->end();
    auto last = begin;
    for (auto it = begin; it != end; ++it) {
      bool dup = std::any_of(begin, last, [&](const Match& m) {
        return m.entry == it->entry && m.field == it->field;
      });
      if (!dup) *last++ = *it;
    }
    out->erase(last, end);
  }
}

}  // namespace kizashi::patterns
