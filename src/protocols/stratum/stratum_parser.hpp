#pragma once
// Stratum V1 interpreter (Bitcoin family, Equihash, Scrypt ..., EthereumStratum/1.0.0) over a JSON-RPC
// object decoded by jsonrpc::JsonRpcParser, which routes "mining.*" and "client.*" methods here.
#include <string_view>

#include "core/anomaly.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::jsonrpc {
struct RpcMessage;
}

namespace minewatch::protocols::stratum {

class StratumParser {
 public:
  // Methods of this family: "mining.*" and "client.*".
  static bool owns_method(std::string_view method);

  // A request or notification with a Stratum method. Known methods with a wrong params shape are
  // Malformed (StratumBadParams); unknown "mining.*"/"client.*" methods are NotMining.
  static ParseStatus interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly);

  // A response whose result is a mining.subscribe result: [[["mining.set_difficulty", id],
  // ["mining.notify", id]], extranonce1, extranonce2_size], the flat [["mining.notify", id], ...] and
  // EthereumStratum's [["mining.notify", id, "EthereumStratum/1.0.0"], extranonce]. False otherwise.
  static bool interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out);
};

}  // namespace minewatch::protocols::stratum
