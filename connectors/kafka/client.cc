#include "connectors/kafka/client.h"

#include <unistd.h>

#include "engine/common/log.h"
#include "engine/common/strings.h"

namespace kizashi::connectors::kafka {

namespace {

// librdkafka log levels are syslog levels; map them onto kizashi's.
void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  log::Level l = level <= 3 ? log::Level::kError : level <= 4 ? log::Level::kWarn
                : level <= 6 ? log::Level::kInfo : log::Level::kDebug;
  if (l < log::GetLevel()) return;
  log::Line(l, "kafka.client").Kv("client", rd_kafka_name(rk)).Kv("facility", fac).Kv("msg", buf);
}

absl::Status Apply(rd_kafka_conf_t* conf, const Properties& props) {
  for (const auto& [k, v] : props) {
    absl::Status st = SetProperty(conf, k, v);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace

void ClientDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kConsumer: return "consumer";
    case Role::kProducer: return "producer";
    case Role::kAdmin: return "admin";
    case Role::kRestore: return "restore";
  }
  return "client";
}

absl::Status SetProperty(rd_kafka_conf_t* conf, std::string_view key, std::string_view value) {
  char err[512];
  std::string k(key), v(value);
  if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return absl::InvalidArgumentError(StrCat("Kafka property ", k, ": ", err));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConfPtr> MakeConf(const KafkaOptions& o, Role role, const Properties& extra) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  Properties base = {
      {"bootstrap.servers", o.brokers},
      {"client.id", StrCat("kizashi-", RoleName(role), "@", host)},
      {"security.protocol", o.security_protocol},
  };
  if (StartsWith(o.security_protocol, "sasl")) {
    base.emplace_back("sasl.mechanism", o.sasl_mechanism);
    base.emplace_back("sasl.username", o.sasl_username);
    base.emplace_back("sasl.password", o.sasl_password);
  }
  if (StartsWith(o.security_protocol, "ssl") || o.security_protocol == "sasl_ssl") {
    if (!o.ssl_ca_location.empty()) base.emplace_back("ssl.ca.location", o.ssl_ca_location);
    if (!o.ssl_certificate_location.empty()) {
      base.emplace_back("ssl.certificate.location", o.ssl_certificate_location);
    }
    if (!o.ssl_key_location.empty()) base.emplace_back("ssl.key.location", o.ssl_key_location);
    if (!o.ssl_key_password.empty()) base.emplace_back("ssl.key.password", o.ssl_key_password);
    base.emplace_back("ssl.endpoint.identification.algorithm",
                      o.ssl_verify_hostname ? "https" : "none");
  }
  absl::Status st = Apply(conf.get(), base);
  if (st.ok()) st = Apply(conf.get(), extra);
  if (st.ok()) st = Apply(conf.get(), o.properties);
  if (st.ok() && role == Role::kConsumer) st = Apply(conf.get(), o.consumer_properties);
  if (st.ok() && role == Role::kProducer) st = Apply(conf.get(), o.producer_properties);
  if (!st.ok()) return st;
  return conf;
}

absl::StatusOr<ClientPtr> NewClient(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) return absl::InvalidArgumentError(StrCat("creating Kafka client: ", err));
  conf.release();  // owned by rk now
  return ClientPtr(rk);
}

absl::Status KafkaError(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  std::string msg = StrCat(what, ": ", rd_kafka_err2str(err), " (", rd_kafka_err2name(err), ")");
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return absl::DeadlineExceededError(msg);
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
      return absl::UnavailableError(msg);
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return absl::NotFoundError(msg);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::Status KafkaError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return absl::OkStatus();
  std::string msg = StrCat(what, ": ", rd_kafka_error_string(error));
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  absl::Status st = KafkaError(code, what);
  return absl::Status(st.code(), msg);
}

absl::StatusOr<int> BrokerCount(rd_kafka_t* rk, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "reading cluster metadata");
  int n = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace kizashi::connectors::kafka
