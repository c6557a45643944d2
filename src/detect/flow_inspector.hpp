#pragma once
// The application layer of one TCP flow: frames the reassembled byte streams (newline-delimited
// JSON-RPC or HTTP/1.x), hands messages to the mining parsers and folds them into a MiningSession.
// Undecided flows are inspected within a byte budget; a flow no parser wants is rejected and its
// buffers freed; a mining flow keeps scanning lines to its end so shares are counted.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/anomaly.hpp"
#include "core/flow_key.hpp"
#include "core/timestamp.hpp"
#include "detect/fusion.hpp"
#include "detect/mining_session.hpp"
#include "intel/pool_list.hpp"
#include "protocols/jsonrpc/jsonrpc_parser.hpp"
#include "protocols/sv2/sv2_parser.hpp"
#include "protocols/tls/tls_client_hello.hpp"

namespace minewatch::detect {

struct InspectConfig {
  double alert_threshold = 0.7;                // session confidence needed to call a flow mining
  std::uint32_t undecided_budget = 32 * 1024;  // bytes inspected (both directions) before giving up
  std::uint32_t max_malformed_lines = 8;       // non-JSON lines tolerated while undecided
  std::uint32_t max_line_bytes = 64 * 1024;
  FusionConfig fusion;  // weights of signals from outside the payload
};

// Shared by every flow of one pipeline: parsers with their reusable buffers, counters, config.
struct InspectContext {
  InspectConfig config;
  protocols::jsonrpc::JsonRpcParser json;
  protocols::tls::ClientHello hello;  // scratch, reused
  const intel::PoolList* pools = &intel::PoolList::builtin();
  AnomalyCounters* anomalies = nullptr;
};

enum class AppState : std::uint8_t { Undecided, Rejected, Mining };

// What the client's TLS ClientHello said about the server's name.
enum class ServerName : std::uint8_t { NotSeen, Absent, Pool, Other };

class FlowInspector {
 public:
  explicit FlowInspector(InspectContext& ctx);
  ~FlowInspector();
  FlowInspector(const FlowInspector&) = delete;
  FlowInspector& operator=(const FlowInspector&) = delete;

  void on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts);
  void on_gap(Direction dir);
  // Flow ended: a last unterminated line may still be a complete message.
  void finish(Timestamp ts);

  // A signal from outside the payload (see fusion.hpp). Works in every state: a flow whose bytes were
  // rejected as uninteresting can still be mining by where it goes or how it behaves.
  void add_signal(Signal signal, double weight, std::string detail, Timestamp ts,
                  protocols::Family family = protocols::Family::Unknown);

  [[nodiscard]] AppState state() const { return state_; }
  // True while a ClientHello is still being buffered (its server name is not known yet).
  [[nodiscard]] bool hello_pending() const;
  [[nodiscard]] ServerName server_name() const { return server_name_; }
  // The flow speaks a readable protocol (HTTP, JSON lines): its messages decide it, unlike encrypted or
  // opaque flows, which only their behaviour can describe.
  [[nodiscard]] bool is_cleartext() const {
    return rejected_cleartext_ || is_readable(sides_[0].framing) || is_readable(sides_[1].framing);
  }
  [[nodiscard]] const MiningSession* session() const { return session_.get(); }

 private:
  // TlsHello: buffering a ClientHello; Sv2: binary from the first byte, watched by sv2_ (Stratum V2 frames
  // or the Noise handshake's shape); Opaque: encrypted or otherwise uninteresting bytes, ignored.
  enum class Framing : std::uint8_t { Unknown, JsonLines, Http, TlsHello, Sv2, Opaque };
  static bool is_readable(Framing f) { return f == Framing::JsonLines || f == Framing::Http; }
  // Each direction is framed on its own: a capture that starts mid-connection may join one side in
  // the middle of an HTTP body while the other side starts with a clean request.
  struct Side {
    Framing framing = Framing::Unknown;
    std::string buffer;       // partial line / unparsed HTTP bytes
    std::uint64_t skip = 0;   // HTTP body bytes still to skip
    bool discarding = false;  // inside an over-long line: drop until the next newline
    bool is_request = false;  // HTTP: this direction carries requests
  };

  // Decides the framing of a direction from its first bytes; returns the bytes from where framing
  // starts (an HTTP message start found inside a mid-stream chunk), or an empty span when rejected.
  std::span<const std::uint8_t> choose_framing(Direction dir, std::span<const std::uint8_t> bytes);
  void switch_to_http(Direction dir, std::span<const std::uint8_t> bytes);
  void adopt_http(Direction dir, std::span<const std::uint8_t> start);
  void feed_lines(Direction dir, std::span<const std::uint8_t> bytes);
  void feed_http(Direction dir, std::span<const std::uint8_t> bytes);
  void feed_tls_hello(Direction dir, std::span<const std::uint8_t> bytes);
  void feed_sv2(Direction dir, std::span<const std::uint8_t> bytes);
  void settle_sv2();
  void handle_line(Direction dir, std::string_view line);
  void handle_message(Direction dir, const protocols::MiningMessage& msg);
  void note_malformed(Anomaly a);
  void reject();

  InspectContext* ctx_;
  std::unique_ptr<MiningSession> session_;
  struct Sv2Watch;
  std::unique_ptr<Sv2Watch> sv2_;  // only for flows that are binary from their first byte
  bool suspect_ = false;           // evidence below the threshold and nothing more to read: kept, not budgeted
  std::array<Side, 2> sides_{};
  Timestamp now_{};
  std::uint64_t inspected_ = 0;
  std::uint32_t malformed_ = 0;
  std::uint32_t rpc_lines_ = 0;
  AppState state_ = AppState::Undecided;
  ServerName server_name_ = ServerName::NotSeen;
  bool rejected_cleartext_ = false;
};

}  // namespace minewatch::detect
