#include "protocols/sv2/sv2_parser.hpp"

#include <cmath>
#include <cstring>

#include "core/byte_reader.hpp"
#include "protocols/target_math.hpp"

namespace minewatch::protocols::sv2 {

namespace {

bool printable(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

std::string_view str0_255(ByteReader& r) {
  std::uint8_t n = r.u8();
  auto b = r.bytes(n);
  if (!r) return {};
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A little-endian U256 target as hashes per share (2^256 / target); 0 for a zero target.
double target_work_le(std::span<const std::uint8_t> t) {
  double v = 0;
  for (std::size_t i = t.size(); i-- > 0;) v = v * 256.0 + t[i];
  if (v <= 0) return 0;
  return std::ldexp(1.0, 256) / v;
}

constexpr std::string_view kNoiseProtocol = "Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256";

}  // namespace

bool read_frame_header(std::span<const std::uint8_t> bytes, FrameHeader& out) {
  ByteReader r{bytes};
  out.extension_type = r.le16();
  out.msg_type = r.u8();
  out.length = r.le24();
  return r.ok();
}

bool parse_setup_connection(std::span<const std::uint8_t> payload, SetupConnection& out) {
  if (payload.size() < kSetupConnectionMinBytes || payload.size() > kSetupConnectionMaxBytes) return false;
  ByteReader r{payload};
  out.protocol = r.u8();
  out.min_version = r.le16();
  out.max_version = r.le16();
  out.flags = r.le32();
  out.endpoint_host = str0_255(r);
  out.endpoint_port = r.le16();
  out.vendor = str0_255(r);
  out.hardware_version = str0_255(r);
  out.firmware = str0_255(r);
  out.device_id = str0_255(r);
  if (!r || r.remaining() != 0) return false;
  if (out.protocol > 3) return false;
  if (out.min_version == 0 || out.min_version > out.max_version || out.max_version > 0xff) return false;
  for (auto s : {out.endpoint_host, out.vendor, out.hardware_version, out.firmware, out.device_id}) {
    if (!printable(s)) return false;
  }
  return true;
}

bool parse_open_channel(const FrameHeader& h, std::span<const std::uint8_t> payload, OpenChannel& out) {
  ByteReader r{payload};
  out.extended = h.msg_type == msg::kOpenExtendedMiningChannel;
  out.request_id = r.le32();
  out.user_identity = str0_255(r);
  std::uint32_t rate_bits = r.le32();
  r.skip(32);                   // max_target
  if (out.extended) r.skip(2);  // min_extranonce_size
  if (!r || r.remaining() != 0 || !printable(out.user_identity)) return false;
  std::memcpy(&out.nominal_hash_rate, &rate_bits, sizeof rate_bits);
  return std::isfinite(out.nominal_hash_rate) && out.nominal_hash_rate >= 0;
}

ParseStatus interpret_frame(const FrameHeader& h, std::span<const std::uint8_t> payload, MiningMessage& out,
                            Anomaly& anomaly) {
  out = MiningMessage{};
  out.family = Family::Stratum2;
  if (h.extension() != 0) return ParseStatus::NotMining;  // extensions: not interpreted
  auto bad = [&anomaly] {
    anomaly = Anomaly::Sv2BadMessage;
    return ParseStatus::Malformed;
  };
  switch (h.msg_type) {
    case msg::kSetupConnection: {
      SetupConnection sc;
      if (!parse_setup_connection(payload, sc)) return bad();
      if (sc.protocol != 0) return ParseStatus::NotMining;
      out.kind = MessageKind::Subscribe;
      out.pool_host = sc.endpoint_host;
      out.agent = sc.vendor;
      return ParseStatus::Parsed;
    }
    case msg::kSetupConnectionSuccess:
      if (payload.size() != 6) return bad();
      out.kind = MessageKind::Result;
      return ParseStatus::Parsed;
    case msg::kOpenStandardMiningChannel:
    case msg::kOpenExtendedMiningChannel: {
      OpenChannel oc;
      if (!parse_open_channel(h, payload, oc)) return bad();
      out.kind = MessageKind::Authorize;
      out.login = oc.user_identity;
      if (oc.nominal_hash_rate > 0) out.self_hashrate = oc.nominal_hash_rate;
      return ParseStatus::Parsed;
    }
    case msg::kOpenStandardMiningChannelSuccess:
    case msg::kOpenExtendedMiningChannelSuccess: {
      // request_id u32, channel_id u32, target U256, ...
      if (payload.size() < 4 + 4 + 32) return bad();
      out.kind = MessageKind::SubscribeResult;
      out.target_work = target_work_le(payload.subspan(8, 32));
      out.difficulty = out.target_work / kTwoPow32;
      return ParseStatus::Parsed;
    }
    case msg::kNewMiningJob:
      // channel_id u32, job_id u32, min_ntime OPTION[u32], version u32, merkle_root U256
      if (payload.size() != 45 && payload.size() != 49) return bad();
      out.kind = MessageKind::Notify;
      return ParseStatus::Parsed;
    case msg::kNewExtendedMiningJob:
      if (payload.size() < 4 + 4 + 1 + 4 + 1) return bad();
      out.kind = MessageKind::Notify;
      return ParseStatus::Parsed;
    case msg::kSetNewPrevHash:
      // channel_id u32, job_id u32, prev_hash U256, min_ntime u32, nbits u32
      if (payload.size() != 48) return bad();
      out.kind = MessageKind::Notify;
      return ParseStatus::Parsed;
    case msg::kSetTarget:
      // channel_id u32, maximum_target U256
      if (payload.size() != 36) return bad();
      out.kind = MessageKind::SetTarget;
      out.target_work = target_work_le(payload.subspan(4, 32));
      out.difficulty = out.target_work / kTwoPow32;
      return ParseStatus::Parsed;
    case msg::kSubmitSharesStandard:
      // channel_id, sequence_number, job_id, nonce, ntime, version: six u32
      if (payload.size() != 24) return bad();
      out.kind = MessageKind::Submit;
      return ParseStatus::Parsed;
    case msg::kSubmitSharesExtended:
      if (payload.size() < 25 || payload.size() != 25 + std::size_t{payload[24]} || payload[24] > 32) return bad();
      out.kind = MessageKind::Submit;
      return ParseStatus::Parsed;
    case msg::kSubmitSharesSuccess:
    case msg::kSubmitSharesError: out.kind = MessageKind::Result; return ParseStatus::Parsed;
    default: return ParseStatus::NotMining;
  }
}

bool Sv2Stream::may_start(std::span<const std::uint8_t> b) {
  if (b.size() <= kNoiseAct1Bytes) return true;
  FrameHeader h;
  return read_frame_header(b, h) && h.extension_type == 0 && h.msg_type == msg::kSetupConnection &&
         h.length >= kSetupConnectionMinBytes && h.length <= kSetupConnectionMaxBytes;
}

void Sv2Stream::feed(Direction dir, std::span<const std::uint8_t> bytes, Sv2Handler& handler) {
  if (bytes.empty() || state_ == State::Rejected || state_ == State::Noise) return;
  if (state_ == State::Plain) {
    feed_plain(dir, bytes, handler);
    return;
  }
  track_turns(dir, bytes.size());
  if (plain_possible_) {
    if (dir != initiator_ || turn_ != 0) {
      plain_possible_ = false;  // the responder spoke before a whole SetupConnection arrived
    } else {
      auto& s = sides_[static_cast<std::size_t>(dir)];
      s.buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      try_plain_setup(handler);
      if (state_ == State::Plain) return;
    }
  }
  check_turns(false, handler);
  if (!plain_possible_ && !noise_possible_) {
    state_ = State::Rejected;
    for (auto& s : sides_) std::string{}.swap(s.buffer);
  }
}

void Sv2Stream::track_turns(Direction dir, std::size_t n) {
  if (!any_bytes_) {
    any_bytes_ = true;
    turn_dir_ = dir;
  } else if (dir != turn_dir_) {
    turn_dir_ = dir;
    if (turn_ + 1 < turns_.size()) ++turn_;
  }
  turns_[turn_] += n;
}

void Sv2Stream::try_plain_setup(Sv2Handler& handler) {
  auto& s = sides_[static_cast<std::size_t>(initiator_)];
  std::span<const std::uint8_t> b{reinterpret_cast<const std::uint8_t*>(s.buffer.data()), s.buffer.size()};
  FrameHeader h;
  if (!read_frame_header(b, h)) return;  // fewer than 6 bytes so far
  if (h.extension_type != 0 || h.msg_type != msg::kSetupConnection || h.length < kSetupConnectionMinBytes ||
      h.length > kSetupConnectionMaxBytes) {
    plain_possible_ = false;
    return;
  }
  if (b.size() < kFrameHeaderBytes + h.length) return;
  SetupConnection sc;
  if (!parse_setup_connection(b.subspan(kFrameHeaderBytes, h.length), sc)) {
    plain_possible_ = false;
    return;
  }
  state_ = State::Plain;
  std::string held = std::move(s.buffer);
  s.buffer.clear();
  feed_plain(initiator_, {reinterpret_cast<const std::uint8_t*>(held.data()), held.size()}, handler);
}

void Sv2Stream::feed_plain(Direction dir, std::span<const std::uint8_t> bytes, Sv2Handler& handler) {
  auto& s = sides_[static_cast<std::size_t>(dir)];
  if (s.broken) return;
  auto take = [&](std::size_t want) {
    std::size_t k = std::min(want, bytes.size());
    s.buffer.append(reinterpret_cast<const char*>(bytes.data()), k);
    bytes = bytes.subspan(k);
  };
  // Plaintext SV2 is rare and its frames are small: copying each one keeps the framing simple.
  while (!bytes.empty()) {
    if (s.skip > 0) {
      auto k = static_cast<std::size_t>(std::min<std::uint64_t>(s.skip, bytes.size()));
      s.skip -= k;
      bytes = bytes.subspan(k);
      continue;
    }
    if (s.buffer.size() < kFrameHeaderBytes) take(kFrameHeaderBytes - s.buffer.size());
    FrameHeader h;
    if (!read_frame_header({reinterpret_cast<const std::uint8_t*>(s.buffer.data()), s.buffer.size()}, h)) return;
    if (kFrameHeaderBytes + h.length > kMaxParsedFrameBytes) {
      handler.on_sv2_anomaly(Anomaly::Sv2FrameTooLong);
      s.skip = h.length;
      s.buffer.clear();
      continue;
    }
    take(kFrameHeaderBytes + h.length - s.buffer.size());
    if (s.buffer.size() < kFrameHeaderBytes + h.length) return;
    MiningMessage m;
    Anomaly a{};
    std::span<const std::uint8_t> payload{reinterpret_cast<const std::uint8_t*>(s.buffer.data()) + kFrameHeaderBytes,
                                          h.length};
    auto st = interpret_frame(h, payload, m, a);
    if (st == ParseStatus::Parsed) handler.on_sv2_message(dir, m);
    if (st == ParseStatus::Malformed) handler.on_sv2_anomaly(a);
    s.buffer.clear();
  }
}

void Sv2Stream::check_turns(bool flow_ended, Sv2Handler& handler) {
  if (!noise_possible_) return;
  // A turn is complete once the other side has spoken after it (or the flow ended).
  auto complete = [&](std::size_t i) { return turn_ > i || flow_ended; };
  bool ok = true;
  if (turns_[0] > kNoiseAct1Bytes || (complete(0) && turns_[0] != kNoiseAct1Bytes)) ok = false;
  if (turns_[1] > kNoiseAct2Bytes || (turn_ > 1 && turns_[1] != kNoiseAct2Bytes)) ok = false;
  if (turns_[2] > kEncryptedSetupMaxBytes || (turn_ > 2 && turns_[2] < kEncryptedSetupMinBytes)) ok = false;
  if (turns_[3] > kEncryptedSetupReplyMaxBytes || (turn_ > 3 && turns_[3] < kEncryptedSetupReplyMinBytes)) {
    ok = false;
  }
  if (!ok) {
    noise_possible_ = false;
    return;
  }
  // The whole shape (key, 234-byte answer, encrypted SetupConnection and its answer), or at the end of a
  // flow the handshake itself (both acts exact).
  if (turn_ >= 4 || (flow_ended && turn_ >= 1 && turns_[1] == kNoiseAct2Bytes)) emit_noise(handler);
}

void Sv2Stream::emit_noise(Sv2Handler& handler) {
  state_ = State::Noise;
  for (auto& s : sides_) std::string{}.swap(s.buffer);
  MiningMessage m;
  m.family = Family::Stratum2;
  m.kind = MessageKind::EncryptedHandshake;
  m.protocol_variant = kNoiseProtocol;
  handler.on_sv2_message(initiator_, m);
}

void Sv2Stream::on_gap(Direction dir) {
  if (state_ == State::Plain) {
    auto& s = sides_[static_cast<std::size_t>(dir)];
    s.broken = true;
    std::string{}.swap(s.buffer);
  } else if (state_ == State::Candidate) {
    state_ = State::Rejected;
    for (auto& s : sides_) std::string{}.swap(s.buffer);
  }
}

void Sv2Stream::finish(Sv2Handler& handler) {
  if (state_ != State::Candidate) return;
  check_turns(true, handler);
}

}  // namespace minewatch::protocols::sv2
