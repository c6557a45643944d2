#pragma once
// CryptoNote / RandomX pool protocol (XMRig, xmr-stak and compatibles) over a JSON-RPC object decoded by
// jsonrpc::JsonRpcParser. "login", "submit" and "job" are generic words, so the params shape decides.
#include <string_view>

#include "core/anomaly.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::jsonrpc {
struct RpcMessage;
}

namespace minewatch::protocols::cryptonote {

class CryptonoteParser {
 public:
  // Methods this family may own: login, submit, keepalived, job (shape still decides).
  static bool owns_method(std::string_view method);

  // login: params object with a "login" string; submit: params object with "job_id" and "nonce";
  // keepalived; job: params object with "blob" and "job_id". Anything else is NotMining.
  static ParseStatus interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly);

  // Responses: result object holding a "job" (login result -> Job), or {"status": "OK"} (-> Result,
  // Accepted) / {"status": "KEEPALIVED"} (-> Result, None). False when the result has neither shape.
  static bool interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out);
};

}  // namespace minewatch::protocols::cryptonote
