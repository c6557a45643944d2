#include "protocols/cryptonote/cryptonote_parser.hpp"

#include "protocols/jsonrpc/rpc_message.hpp"
#include "protocols/target_math.hpp"

namespace minewatch::protocols::cryptonote {
namespace {

using jsonrpc::as_array;
using jsonrpc::as_object;
using jsonrpc::as_string;
using jsonrpc::field;
using jsonrpc::string_at;
using jsonrpc::string_field;
using simdjson::dom::object;

ParseStatus parsed(MiningMessage& out, MessageKind kind) {
  out.family = Family::CryptoNote;
  out.kind = kind;
  return ParseStatus::Parsed;
}

// "algo": "rx/0" or ["rx/0", "cn/r", ...] (XMRig sends the list it supports): first one.
void read_algo(object o, MiningMessage& out) {
  auto algo = field(o, "algo");
  if (!algo) return;
  if (auto s = as_string(*algo)) {
    out.algo = *s;
  } else if (auto list = as_array(*algo)) {
    if (auto first = string_at(*list, 0)) out.algo = *first;
  }
}

// A job object: {blob, job_id, target, (algo, height, seed_hash)}. False unless blob and job_id are strings.
bool read_job(object job, MiningMessage& out) {
  if (!string_field(job, "blob") || !field(job, "job_id")) return false;
  auto job_id = *field(job, "job_id");
  if (!jsonrpc::is_string(job_id) && !jsonrpc::is_number(job_id)) return false;
  if (auto target = string_field(job, "target")) {
    if (auto d = cryptonote_difficulty(*target)) {
      out.difficulty = *d;  // hashes per share
      out.target_work = *d;
    }
  }
  read_algo(job, out);
  return true;
}

ParseStatus login(object params, MiningMessage& out) {
  auto login_name = string_field(params, "login");
  if (!login_name) return ParseStatus::NotMining;
  out.login = *login_name;
  if (auto agent = string_field(params, "agent")) out.agent = *agent;
  if (auto rigid = string_field(params, "rigid"); rigid && !rigid->empty()) out.worker = *rigid;
  read_algo(params, out);
  return parsed(out, MessageKind::Login);
}

ParseStatus submit(object params, MiningMessage& out) {
  auto job_id = field(params, "job_id");
  auto nonce = string_field(params, "nonce");
  if (!job_id || !nonce || (!jsonrpc::is_string(*job_id) && !jsonrpc::is_number(*job_id)))
    return ParseStatus::NotMining;
  read_algo(params, out);
  return parsed(out, MessageKind::Submit);
}

}  // namespace

bool CryptonoteParser::owns_method(std::string_view method) {
  return method == "login" || method == "submit" || method == "keepalived" || method == "job";
}

ParseStatus CryptonoteParser::interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly&) {
  // keepalived is specific enough on its own; params is {"id": session} or absent.
  if (msg.method == "keepalived") {
    if (msg.has_params && !jsonrpc::is_null(msg.params) && !jsonrpc::is_object(msg.params)) {
      return ParseStatus::NotMining;
    }
    return parsed(out, MessageKind::KeepAlive);
  }
  if (!msg.has_params) return ParseStatus::NotMining;
  auto params = as_object(msg.params);
  if (!params) return ParseStatus::NotMining;
  if (msg.method == "login") return login(*params, out);
  if (msg.method == "submit") return submit(*params, out);
  if (msg.method == "job") {
    if (!read_job(*params, out)) return ParseStatus::NotMining;
    return parsed(out, MessageKind::Job);
  }
  return ParseStatus::NotMining;
}

bool CryptonoteParser::interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out) {
  if (!msg.has_result) return false;
  auto result = as_object(msg.result);
  if (!result) return false;
  auto status = string_field(*result, "status");
  if (auto job_el = field(*result, "job")) {
    auto job = as_object(*job_el);
    if (!job || !read_job(*job, out)) return false;
    if (status == "OK") out.outcome = Outcome::Accepted;
    out.family = Family::CryptoNote;
    out.kind = MessageKind::Job;
    return true;
  }
  if (status == "OK" || status == "KEEPALIVED") {
    out.family = Family::CryptoNote;
    out.kind = MessageKind::Result;
    out.outcome = status == "OK" ? Outcome::Accepted : Outcome::None;
    return true;
  }
  return false;
}

}  // namespace minewatch::protocols::cryptonote
