#include "connectors/file/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/common/strings.h"

namespace kizashi::connectors {

namespace {
absl::Status WriteAll(int fd, const std::string& buf, const std::string& what) {
  size_t off = 0;
  while (off < buf.size()) {
    ssize_t n = ::write(fd, buf.data() + off, buf.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(StrCat(what, ": write: ", std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path, bool fsync) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return absl::UnavailableError(StrCat(path, ": ", std::strerror(errno)));
  // Drop a torn last line (see the header).
  off_t size = ::lseek(fd, 0, SEEK_END);
  off_t keep = size;
  char buf[4096];
  while (keep > 0) {
    off_t from = keep > static_cast<off_t>(sizeof buf) ? keep - static_cast<off_t>(sizeof buf) : 0;
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(keep - from), from);
    if (n <= 0) break;
    ssize_t i = n - 1;
    while (i >= 0 && buf[i] != '\n') --i;
    if (i >= 0) {
      keep = from + i + 1;
      break;
    }
    keep = from;
  }
  if (keep != size && ::ftruncate(fd, keep) != 0) {
    int e = errno;
    ::close(fd);
    return absl::UnavailableError(StrCat(path, ": truncating a torn last line: ", std::strerror(e)));
  }
  auto s = std::unique_ptr<FileSink>(new FileSink());
  s->fd_ = fd;
  s->fsync_ = fsync;
  s->path_ = path;
  return s;
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FileSink::Write(std::string_view, std::string_view document) {
  buf_.append(document);
  buf_.push_back('\n');
  return absl::OkStatus();
}

absl::Status FileSink::Flush() {
  if (buf_.empty()) return absl::OkStatus();
  absl::Status st = WriteAll(fd_, buf_, path_);
  if (!st.ok()) return st;
  buf_.clear();
  if (fsync_ && ::fdatasync(fd_) != 0) {
    return absl::UnavailableError(StrCat(path_, ": fdatasync: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status StdoutSink::Write(std::string_view, std::string_view document) {
  buf_.append(document);
  buf_.push_back('\n');
  return absl::OkStatus();
}

absl::Status StdoutSink::Flush() {
  if (buf_.empty()) return absl::OkStatus();
  absl::Status st = WriteAll(1, buf_, "stdout");
  buf_.clear();
  return st;
}

}  // namespace kizashi::connectors
