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
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return absl::UnavailableError(StrCat(path, ": ", std::strerror(errno)));
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
