#pragma once
// The typed messages every mining-protocol parser produces. string_views point into the input
// line/body and are valid only until the caller's buffer changes: copy what must be kept.
#include <cstdint>
#include <string_view>

namespace minewatch::protocols {

enum class Family : std::uint8_t {
  Unknown,
  Stratum,      // Stratum V1 (Bitcoin family, Equihash, EthereumStratum/1.0.0 ...)
  CryptoNote,   // XMRig / xmr-stak login/job/submit/keepalived
  EthProxy,     // eth_submitLogin / eth_getWork / eth_submitWork / eth_submitHashrate over TCP
  HttpGetwork,  // getwork / getblocktemplate / eth_getWork over HTTP POST
  Tls,          // encrypted: only the ClientHello (server name of a known pool) is visible
  Dns,          // a DNS lookup of a known pool name (intent, not a session)
  Stratum2,     // Stratum V2: plaintext binary frames, or only the Noise NX handshake's shape
};

constexpr std::string_view family_name(Family f) {
  switch (f) {
    case Family::Stratum: return "stratum";
    case Family::CryptoNote: return "cryptonote";
    case Family::EthProxy: return "ethproxy";
    case Family::HttpGetwork: return "http-getwork";
    case Family::Tls: return "tls";
    case Family::Dns: return "dns";
    case Family::Stratum2: return "stratum2";
    case Family::Unknown: break;
  }
  return "unknown";
}

enum class MessageKind : std::uint8_t {
  // miner -> pool requests
  Subscribe,            // mining.subscribe
  Authorize,            // mining.authorize
  Configure,            // mining.configure
  ExtranonceSubscribe,  // mining.extranonce.subscribe
  SuggestDifficulty,    // mining.suggest_difficulty
  GetTransactions,      // mining.get_transactions
  Submit,               // mining.submit | cryptonote submit (a share)
  Login,                // cryptonote login
  KeepAlive,            // cryptonote keepalived
  SubmitLogin,          // eth_submitLogin
  GetWork,              // eth_getWork | getwork without params
  SubmitWork,           // eth_submitWork | getwork with data param (a share)
  SubmitHashrate,       // eth_submitHashrate
  GetBlockTemplate,     // getblocktemplate
  TlsServerName,        // TLS ClientHello whose server name is a known pool
  DnsLookup,            // DNS question for a known pool name
  EncryptedHandshake,   // the shape of an encrypted mining handshake (Stratum V2 Noise NX), sent by the miner
  SubmitBlock,          // submitblock
  // pool -> miner notifications
  Notify,           // mining.notify
  SetDifficulty,    // mining.set_difficulty
  SetTarget,        // mining.set_target
  SetExtranonce,    // mining.set_extranonce
  Reconnect,        // client.reconnect
  ShowMessage,      // client.show_message
  Job,              // cryptonote job (notification or inside a login result)
  WorkPackage,      // eth_getWork result [header, seed, boundary] or getwork result {data, target}
  SubscribeResult,  // [[["mining.notify", ..]..], extranonce1, size]
  BlockTemplate,    // getblocktemplate result
  // responses without a mining-specific shape: correlate by id
  Result,
};

// Which side sends a message of this kind: true for miner -> pool.
constexpr bool sent_by_miner(MessageKind k) { return k <= MessageKind::SubmitBlock; }

enum class Outcome : std::uint8_t { None, Accepted, Rejected };

struct MiningMessage {
  Family family = Family::Unknown;
  MessageKind kind = MessageKind::Result;
  bool has_id = false;
  std::uint64_t id_hash = 0;  // hash of the id's JSON text, to pair responses with requests
  Outcome outcome = Outcome::None;
  bool null_result = false;    // a response with "result": null and no error (BIP 22: submitblock accepted)    // for
                               // Result: true/"OK" -> Accepted, false/error -> Rejected
  std::string_view agent;      // miner software, e.g. "XMRig/6.21.0 (Linux x86_64)", "cgminer/3.7.2"
  std::string_view login;      // account as sent: wallet[.worker] or user.worker
  std::string_view worker;     // explicit worker name (Claymore "worker", rig id) when separate
  std::string_view pool_host;  // host the miner asked for (subscribe params, HTTP Host)
  std::string_view algo;       // algorithm string when sent ("rx/0", "cn/r", "equihash" ...)
  std::string_view protocol_variant;  // e.g. "EthereumStratum/1.0.0"
  std::string_view fingerprint;       // TLS client fingerprint (JA4) when the message is a ClientHello
  std::string_view redirect_url;      // where the pool sends the miner: client.reconnect host, HTTP X-Stratum
  // Units (see target_math.hpp): difficulty is the protocol's own number (set_difficulty as sent; for
  // 256-bit targets target_work / 2^32; for CryptoNote targets and Ethash boundaries hashes per share).
  // target_work is expected hash/solution attempts per share when a target fixes it, else 0 (the
  // per-algorithm multiplier for set_difficulty belongs to the coin catalog, not the parser).
  double difficulty = 0;     // share difficulty carried or implied (set_difficulty, target, boundary)
  double target_work = 0;    // hashes per share implied by a target/boundary when given (2^256/boundary)
  double self_hashrate = 0;  // H/s reported by the miner itself (eth_submitHashrate, X-Mining-Hashrate)
};

enum class ParseStatus : std::uint8_t {
  Parsed,     // out holds a mining message
  NotMining,  // valid JSON-RPC (or HTTP) but nothing mining-specific: e.g. Electrum, wallet RPC
  Malformed,  // not JSON / not JSON-RPC; anomaly tells why
};

}  // namespace minewatch::protocols
