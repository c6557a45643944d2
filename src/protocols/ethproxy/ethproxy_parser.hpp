#pragma once
// ETHProxy ("stratum1", Claymore/PhoenixMiner/ethminer) over a JSON-RPC object decoded by
// jsonrpc::JsonRpcParser: eth_submitLogin, eth_getWork, eth_submitWork, eth_submitHashrate and the
// [headerhash, seedhash, boundary] work package. Other eth_* methods are plain web3 (NotMining).
#include <string_view>

#include "core/anomaly.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::jsonrpc {
struct RpcMessage;
}

namespace minewatch::protocols::ethproxy {

class EthproxyParser {
 public:
  // The four mining methods of the eth_ namespace.
  static bool owns_method(std::string_view method);

  // Known methods with a wrong params shape are Malformed (EthproxyBadParams). family = EthProxy.
  static ParseStatus interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly);

  // result [headerhash, seedhash, boundary, (height)]: two 0x+64-hex hashes and a 0x-hex boundary of at
  // most 64 digits (pools strip its leading zeros) -> WorkPackage with target_work = 2^256 / boundary
  // and difficulty = target_work (Ethash difficulty counts hashes per share). False otherwise.
  static bool interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out);
};

}  // namespace minewatch::protocols::ethproxy
