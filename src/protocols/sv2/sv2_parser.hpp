#pragma once
// Stratum V2 (stratum-mining/sv2-spec): binary frames `extension_type u16 | msg_type u8 | msg_length u24`
// (little-endian), usually inside a Noise NX session. Two ways to see it on the wire:
//  - plaintext (local networks, proxies): the first frame is SetupConnection with a strict layout; the
//    mining messages after it (OpenStandard/ExtendedMiningChannel, NewMiningJob, SubmitShares ...) are
//    parsed for real;
//  - encrypted: only the handshake's shape is visible. The initiator's first message is its 64-byte
//    ElligatorSwift ephemeral key; the responder answers with exactly 234 bytes (64-byte ephemeral key,
//    64+16 encrypted static key, 74+16 encrypted SIGNATURE_NOISE_MESSAGE); then the encrypted
//    SetupConnection (22-byte encrypted header + payload + 16-byte MAC) and its 44-byte Success (or a
//    slightly longer Error).
// Pure: bytes in, typed messages out; no I/O, no globals.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/anomaly.hpp"
#include "core/flow_key.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::sv2 {

inline constexpr std::size_t kFrameHeaderBytes = 6;
inline constexpr std::size_t kMacBytes = 16;
inline constexpr std::size_t kEncryptedHeaderBytes = kFrameHeaderBytes + kMacBytes;  // 22
inline constexpr std::size_t kEllSwiftBytes = 64;
inline constexpr std::size_t kNoiseAct1Bytes = kEllSwiftBytes;  // -> e
// <- e, ee, s, es, SIGNATURE_NOISE_MESSAGE: 64 + (64 + 16) + (74 + 16)
inline constexpr std::size_t kNoiseAct2Bytes = kEllSwiftBytes + (kEllSwiftBytes + kMacBytes) + (74 + kMacBytes);
// SetupConnection payload: protocol u8, min/max_version u16, flags u32, 5 STR0_255, endpoint_port u16.
inline constexpr std::size_t kSetupConnectionMinBytes = 1 + 2 + 2 + 4 + 1 + 2 + 1 + 1 + 1 + 1;
inline constexpr std::size_t kSetupConnectionMaxBytes = 1 + 2 + 2 + 4 + 2 + 5 * 256;
// Encrypted SetupConnection and its answers (Success: used_version u16 + flags u32; Error: flags u32 +
// STR0_255 error code).
inline constexpr std::size_t kEncryptedSetupMinBytes = kEncryptedHeaderBytes + kSetupConnectionMinBytes + kMacBytes;
inline constexpr std::size_t kEncryptedSetupMaxBytes = kEncryptedHeaderBytes + kSetupConnectionMaxBytes + kMacBytes;
inline constexpr std::size_t kEncryptedSetupReplyMinBytes = kEncryptedHeaderBytes + 5 + kMacBytes;  // Error, ""
inline constexpr std::size_t kEncryptedSetupReplyMaxBytes = kEncryptedHeaderBytes + 4 + 256 + kMacBytes;
// Frames buffered while parsing plaintext; longer ones (template distribution) are skipped unparsed.
inline constexpr std::size_t kMaxParsedFrameBytes = 64 * 1024;

// Message types of the common and mining sub-protocols (08-Message-Types.md).
namespace msg {
inline constexpr std::uint8_t kSetupConnection = 0x00;
inline constexpr std::uint8_t kSetupConnectionSuccess = 0x01;
inline constexpr std::uint8_t kSetupConnectionError = 0x02;
inline constexpr std::uint8_t kChannelEndpointChanged = 0x03;
inline constexpr std::uint8_t kReconnect = 0x04;
inline constexpr std::uint8_t kOpenStandardMiningChannel = 0x10;
inline constexpr std::uint8_t kOpenStandardMiningChannelSuccess = 0x11;
inline constexpr std::uint8_t kOpenMiningChannelError = 0x12;
inline constexpr std::uint8_t kOpenExtendedMiningChannel = 0x13;
inline constexpr std::uint8_t kOpenExtendedMiningChannelSuccess = 0x14;
inline constexpr std::uint8_t kNewMiningJob = 0x15;
inline constexpr std::uint8_t kSubmitSharesStandard = 0x1a;
inline constexpr std::uint8_t kSubmitSharesExtended = 0x1b;
inline constexpr std::uint8_t kSubmitSharesSuccess = 0x1c;
inline constexpr std::uint8_t kSubmitSharesError = 0x1d;
inline constexpr std::uint8_t kNewExtendedMiningJob = 0x1f;
inline constexpr std::uint8_t kSetNewPrevHash = 0x20;
inline constexpr std::uint8_t kSetTarget = 0x21;
}  // namespace msg

struct FrameHeader {
  std::uint16_t extension_type = 0;
  std::uint8_t msg_type = 0;
  std::uint32_t length = 0;
  [[nodiscard]] bool channel_msg() const { return (extension_type & 0x8000u) != 0; }
  [[nodiscard]] std::uint16_t extension() const { return extension_type & 0x7fffu; }
};

// Reads a frame header from the first 6 bytes; false when fewer are given.
bool read_frame_header(std::span<const std::uint8_t> bytes, FrameHeader& out);

// SetupConnection (3.6.1). Strings point into the payload.
struct SetupConnection {
  std::uint8_t protocol = 0;  // 0 mining, 1 job declaration, 2 template distribution, 3 job distribution
  std::uint16_t min_version = 0, max_version = 0;
  std::uint32_t flags = 0;
  std::string_view endpoint_host;
  std::uint16_t endpoint_port = 0;
  std::string_view vendor, hardware_version, firmware, device_id;
};

// Strict: exact length, protocol 0..3, 1 <= min_version <= max_version <= 255 (the spec says 2), every
// string printable ASCII. Random or unrelated binary fails one of these at once.
bool parse_setup_connection(std::span<const std::uint8_t> payload, SetupConnection& out);

// OpenStandardMiningChannel (0x10) / OpenExtendedMiningChannel (0x13): request_id u32, user_identity
// STR0_255, nominal_hash_rate f32, max_target u256 (+ min_extranonce_size u16 for extended).
struct OpenChannel {
  bool extended = false;
  std::uint32_t request_id = 0;
  std::string_view user_identity;
  float nominal_hash_rate = 0;
};
bool parse_open_channel(const FrameHeader& h, std::span<const std::uint8_t> payload, OpenChannel& out);

// One plaintext frame as a mining message. Family Stratum2; the kinds map as: SetupConnection(mining) ->
// Subscribe, Open*MiningChannel -> Authorize (login = user_identity), Open*Channel.Success ->
// SubscribeResult, NewMiningJob / NewExtendedMiningJob / SetNewPrevHash -> Notify, SetTarget -> SetTarget,
// SubmitShares* -> Submit, SubmitShares.Success/Error and SetupConnection.Success -> Result.
// NotMining for other sub-protocols and unknown messages; Malformed (Sv2BadMessage) for a known mining
// message whose payload does not fit its layout.
ParseStatus interpret_frame(const FrameHeader& h, std::span<const std::uint8_t> payload, MiningMessage& out,
                            Anomaly& anomaly);

// Receives what a Sv2Stream finds. Views inside msg are valid only during the call.
class Sv2Handler {
 public:
  virtual ~Sv2Handler() = default;
  virtual void on_sv2_message(Direction dir, const MiningMessage& msg) = 0;
  virtual void on_sv2_anomaly(Anomaly a) = 0;
};

// Follows one TCP connection from its first byte (both directions, in arrival order) and decides whether
// it is Stratum V2: plaintext frames (parsed) or the Noise NX handshake shape (turn sizes only).
class Sv2Stream {
 public:
  enum class State : std::uint8_t {
    Candidate,  // still possible; watching
    Plain,      // plaintext SV2: frames are parsed to the end of the flow
    Noise,      // encrypted SV2 handshake shape seen; nothing more to learn from the bytes
    Rejected,   // not SV2
  };

  // `initiator`: the direction whose bytes came first.
  explicit Sv2Stream(Direction initiator) : initiator_(initiator) {}

  void feed(Direction dir, std::span<const std::uint8_t> bytes, Sv2Handler& handler);
  // Lost bytes in a direction: plaintext framing resynchronises no more, the shape is void.
  void on_gap(Direction dir);
  // End of the flow: a handshake that stopped after act 2 (or after the encrypted SetupConnection) still
  // counts as the shape.
  void finish(Sv2Handler& handler);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] Direction initiator() const { return initiator_; }

  // Quick test on a flow's first bytes (from the side that spoke first): could this be SV2 at all?
  // True for a plaintext SetupConnection header prefix, or for a first message no longer than act 1.
  static bool may_start(std::span<const std::uint8_t> first_bytes);

 private:
  struct Side {
    std::string buffer;      // a partial plaintext frame
    std::uint64_t skip = 0;  // bytes of an over-long frame still to skip
    bool broken = false;     // plaintext framing lost in this direction
  };
  void track_turns(Direction dir, std::size_t n);
  void check_turns(bool flow_ended, Sv2Handler& handler);
  void feed_plain(Direction dir, std::span<const std::uint8_t> bytes, Sv2Handler& handler);
  void try_plain_setup(Sv2Handler& handler);
  void emit_noise(Sv2Handler& handler);

  Direction initiator_;
  State state_ = State::Candidate;
  bool noise_possible_ = true;
  bool plain_possible_ = true;
  // Sizes of the first turns (a turn: bytes one side sends before the other side speaks).
  std::array<std::uint64_t, 5> turns_{};
  std::size_t turn_ = 0;  // index of the current turn
  bool any_bytes_ = false;
  Direction turn_dir_ = Direction::AtoB;
  std::array<Side, 2> sides_{};
};

}  // namespace minewatch::protocols::sv2
