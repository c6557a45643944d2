#include "store/store_sink.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "estimate/session_estimate.hpp"
#include "events/community_id.hpp"
#include "events/eve_writer.hpp"

namespace minewatch::store {

Result<std::string> capture_fingerprint(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return make_error(fmt::format("{}: cannot seek", path));
  long size = std::ftell(f.get());
  if (size < 0) return make_error(fmt::format("{}: cannot tell its size", path));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return make_error("SHA-256 unavailable");
  std::string size_text = std::to_string(size);
  EVP_DigestUpdate(ctx.get(), size_text.data(), size_text.size());
  constexpr long kChunk = 1 << 20;
  std::vector<unsigned char> buf(kChunk);
  auto hash_range = [&](long from, long len) -> bool {
    if (std::fseek(f.get(), from, SEEK_SET) != 0) return false;
    std::size_t n = std::fread(buf.data(), 1, static_cast<std::size_t>(len), f.get());
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    return n == static_cast<std::size_t>(len);
  };
  long head = std::min(size, kChunk);
  if (!hash_range(0, head)) return make_error(fmt::format("{}: read error", path));
  if (size > head) {
    long tail_from = std::max(head, size - kChunk);
    if (!hash_range(tail_from, size - tail_from)) return make_error(fmt::format("{}: read error", path));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &md_len);
  std::string hex;
  for (unsigned int i = 0; i < md_len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

SessionRow session_row(const detect::OrientedFlow& f, const detect::MiningSession& s) {
  SessionRow r;
  r.community_id = events::community_id_v1(f.miner, f.miner_port, f.pool, f.pool_port, f.proto);
  r.start_ns = f.start.ns;
  r.end_ns = std::max(f.end.ns, f.start.ns);
  r.miner_ip = f.miner.to_string();
  r.miner_port = f.miner_port;
  r.pool_ip = f.pool.to_string();
  r.pool_port = f.pool_port;
  r.proto = f.proto;
  r.protocol = std::string(protocols::family_name(s.family()));
  r.variant = s.protocol_variant();
  r.agent = s.agent();
  r.pool_host = s.pool_host();
  auto [wallet, worker] = events::split_login(s.login());
  r.wallet = std::string(wallet);
  r.worker = s.worker().empty() ? std::string(worker) : s.worker();
  r.shares_submitted = static_cast<std::int64_t>(s.shares().submitted);
  r.shares_accepted = static_cast<std::int64_t>(s.shares().accepted);
  r.shares_rejected = static_cast<std::int64_t>(s.shares().rejected);
  r.difficulty = s.difficulty();
  r.confidence = s.confidence();
  r.pkts_toserver = static_cast<std::int64_t>(f.pkts_toserver);
  r.pkts_toclient = static_cast<std::int64_t>(f.pkts_toclient);
  r.bytes_toserver = static_cast<std::int64_t>(f.bytes_toserver);
  r.bytes_toclient = static_cast<std::int64_t>(f.bytes_toclient);
  // Coin, hashrate and energy from the estimate (empty / 0 when it cannot tell).
  const auto e = estimate::estimate_session(f, s);
  r.coin = e.coin_known() ? e.coin_id : std::string();
  r.algorithm = e.algorithm.empty() ? s.algorithm() : e.algorithm;
  if (e.hashrate_known()) {
    r.hashrate = e.hashrate_hs;
    r.hashrate_sigma = e.hashrate_sigma;
    r.hashrate_unit = e.hashrate_unit;
  }
  r.hardware_class = e.hardware_class;
  r.kwh_per_day = e.kwh_per_day;
  for (const auto& ev : s.evidence()) r.evidence.push_back({ev.kind, ev.detail, ev.weight});
  return r;
}

Result<void> StoreSink::begin_capture(const std::string& path) {
  auto fp = capture_fingerprint(path);
  if (!fp) return std::unexpected(fp.error());
  std::int64_t size = 0;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fseek(f, 0, SEEK_END);
    size = std::ftell(f);
    std::fclose(f);
  }
  auto id = store_.add_capture({*fp, path, size});
  if (!id) return std::unexpected(id.error());
  capture_id_ = *id;
  return {};
}

Result<void> StoreSink::end_capture() {
  auto r = flush(true);
  capture_id_ = -1;
  return r;
}

void StoreSink::on_alert(const detect::OrientedFlow& flow, const detect::MiningSession&, Timestamp ts) {
  if (error_ || capture_id_ < 0) return;
  alerts_.push_back({flow.miner.to_string(), ts.ns});
}

void StoreSink::on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  if (error_ || capture_id_ < 0) return;
  pending_.push_back(session_row(flow, session));
  if (pending_.size() >= batch_) {
    if (auto r = flush(false); !r) error_ = r.error();
  }
}

Result<void> StoreSink::flush(bool final) {
  if (error_) return std::unexpected(*error_);
  if (pending_.empty() && (!final || alerts_.empty())) return {};
  // An alert comes at detection, its host's sessions when flows end: alerts wait for the capture's
  // last batch, when every host they name has its sessions written.
  auto r = store_.add_sessions(capture_id_, pending_,
                               final ? std::span<const HostAlert>(alerts_) : std::span<const HostAlert>());
  if (!r) {
    error_ = r.error();
    return std::unexpected(r.error());
  }
  totals_.inserted += r->inserted;
  totals_.duplicates += r->duplicates;
  totals_.host_days += r->host_days;
  pending_.clear();
  if (final) alerts_.clear();
  return {};
}

}  // namespace minewatch::store
