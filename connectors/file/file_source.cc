#include "connectors/file/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/common/strings.h"

namespace kizashi::connectors {

namespace {
constexpr size_t kBufferSize = 1 << 20;
constexpr size_t kPadding = 64;  // decode::kRecordPadding: decoders may read past the end
}  // namespace

struct FileSource::Reader {
  FileInput in;
  int fd = -1;
  uint64_t size = 0;
  uint64_t offset = 0;  // byte offset of the next line
  int64_t line = 0;     // lines consumed
  std::unique_ptr<char[]> buf{new char[kBufferSize]};
  size_t begin = 0, end = 0;  // unread bytes in buf
  bool eof = false;

  ~Reader() {
    if (fd >= 0) ::close(fd);
  }

  absl::Status Fill() {
    if (begin > 0) {
      std::memmove(buf.get(), buf.get() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    while (end < kBufferSize && !eof) {
      ssize_t n = ::read(fd, buf.get() + end, kBufferSize - end);
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::InternalError(StrCat(in.path, ": read: ", std::strerror(errno)));
      }
      if (n == 0) eof = true;
      end += static_cast<size_t>(n);
      if (n > 0) break;
    }
    return absl::OkStatus();
  }

  bool done() const { return eof && begin == end; }

  // Next line (without '\n'), cut to `max` + 1 bytes. `out_len` is the kept length.
  absl::Status Next(std::string* scratch, std::string_view* out, size_t max) {
    scratch->clear();
    bool cut = false;
    while (true) {
      if (begin == end) {
        absl::Status st = Fill();
        if (!st.ok()) return st;
        if (begin == end) break;  // EOF
      }
      const char* p = buf.get() + begin;
      const void* nl = std::memchr(p, '\n', end - begin);
      size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) : end - begin;
      if (!cut) {
        size_t room = max + 1 - std::min(max + 1, scratch->size());
        scratch->append(p, std::min(n, room));
        if (scratch->size() > max) cut = true;
      }
      offset += n + (nl ? 1 : 0);
      begin += n + (nl ? 1 : 0);
      if (nl) break;
    }
    ++line;
    if (!scratch->empty() && scratch->back() == '\r') scratch->pop_back();
    *out = *scratch;
    return absl::OkStatus();
  }
};

FileSource::~FileSource() = default;

absl::StatusOr<std::unique_ptr<FileSource>> FileSource::Open(std::vector<FileInput> files,
                                                             int32_t partition,
                                                             int64_t max_record_bytes,
                                                             const Clock* clock) {
  auto src = std::unique_ptr<FileSource>(new FileSource());
  src->partition_ = partition;
  src->max_record_bytes_ = max_record_bytes;
  src->clock_ = clock;
  for (auto& f : files) {
    auto r = std::make_unique<Reader>();
    r->in = f;
    r->fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
      return absl::NotFoundError(StrCat("input file ", f.path, ": ", std::strerror(errno)));
    }
    struct stat st;
    if (::fstat(r->fd, &st) != 0) {
      return absl::InternalError(StrCat(f.path, ": ", std::strerror(errno)));
    }
    r->size = static_cast<uint64_t>(st.st_size);
    src->readers_.push_back(std::move(r));
  }
  return src;
}

bool FileSource::exhausted() const {
  for (const auto& r : readers_) {
    if (r->offset < r->size) return false;
  }
  return true;
}

uint64_t FileSource::bytes_read() const {
  uint64_t n = 0;
  for (const auto& r : readers_) n += r->offset;
  return n;
}

std::string FileSource::Resume() const {
  std::string out;
  for (const auto& r : readers_) StrAppend(&out, r->offset, ",", r->line, ";");
  return out;
}

absl::Status FileSource::Seek(int32_t partition, std::string_view resume) {
  if (partition != partition_) return absl::OkStatus();
  auto parts = Split(resume, ';', true);
  if (parts.size() != readers_.size()) {
    return absl::FailedPreconditionError(
        StrCat("stored file position '", resume, "' does not match the configured inputs (",
               readers_.size(), " files); reset the state directory to replay from the start"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    auto ol = Split(parts[i], ',');
    uint64_t off;
    int64_t line;
    if (ol.size() != 2 || !ParseInt(ol[0], &off) || !ParseInt(ol[1], &line)) {
      return absl::DataLossError(StrCat("corrupt stored file position '", resume, "'"));
    }
    Reader& r = *readers_[i];
    if (::lseek(r.fd, static_cast<off_t>(off), SEEK_SET) < 0) {
      return absl::InternalError(StrCat(r.in.path, ": seek: ", std::strerror(errno)));
    }
    r.offset = off;
    r.line = line;
    r.begin = r.end = 0;
    r.eof = false;
  }
  return absl::OkStatus();
}

absl::Status FileSource::Poll(Batch* batch, size_t max_records) {
  batch->Clear();
  batch->partition = partition_;
  for (const auto& r : readers_) {
    batch->sources.push_back(r->in.name.empty() ? r->in.path : r->in.name);
  }
  std::string scratch;
  int64_t now = clock_ ? clock_->NowNs() : 0;
  while (batch->records.size() < max_records) {
    // The reader that has consumed the smallest fraction of its file goes next.
    Reader* next = nullptr;
    size_t next_i = 0;
    for (size_t i = 0; i < readers_.size(); ++i) {
      Reader* r = readers_[i].get();
      if (r->offset >= r->size) continue;  // bounded: the size at open time
      if (next == nullptr ||
          static_cast<unsigned __int128>(r->offset) * next->size <
              static_cast<unsigned __int128>(next->offset) * r->size) {
        next = r;
        next_i = i;
      }
    }
    if (next == nullptr) break;
    std::string_view line;
    absl::Status st = next->Next(&scratch, &line, static_cast<size_t>(max_record_bytes_));
    if (!st.ok()) return st;
    if (line.empty()) continue;  // blank lines are not records (line numbers still count)
    RawRecord rec;
    char* mem = batch->arena.Allocate(line.size() + kPadding);
    std::memcpy(mem, line.data(), line.size());
    std::memset(mem + line.size(), 0, kPadding);
    rec.value = std::string_view(mem, line.size());
    rec.pos = SourcePos{static_cast<uint32_t>(next_i), partition_, next->line};
    rec.timestamp_ns = now;
    rec.input = next->in.input;
    batch->records.push_back(rec);
  }
  batch->resume = Resume();
  return absl::OkStatus();
}

}  // namespace kizashi::connectors
