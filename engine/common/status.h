// Status helpers used at every module boundary. kizashi uses absl::Status / absl::StatusOr
// instead of exceptions on the data plane; third-party code that throws (yaml-cpp) is wrapped
// at the edge where it is called.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define KZ_STATUS_CONCAT_INNER(a, b) a##b
#define KZ_STATUS_CONCAT(a, b) KZ_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define KZ_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::absl::Status kz_status_ = (expr);          \
    if (!kz_status_.ok()) return kz_status_;     \
  } while (0)

// `lhs = value of expr` (an absl::StatusOr<T>), or returns its status.
#define KZ_ASSIGN_OR_RETURN(lhs, expr) \
  KZ_ASSIGN_OR_RETURN_IMPL(KZ_STATUS_CONCAT(kz_statusor_, __LINE__), lhs, expr)
#define KZ_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// Marks a Status whose value is deliberately ignored; greppable (RocksDB's PermitUncheckedError).
#define KZ_IGNORE_STATUS(expr) static_cast<void>(expr)
