#pragma once
// Writes Suricata-EVE-compatible NDJSON: "alert" records on the first detection of a miner host and
// one "mining" record per mining flow. src is always the miner and dest the pool
// (schema/events.schema.json is the contract).
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "detect/engine.hpp"
#include "estimate/host_rollup.hpp"

namespace minewatch::events {

class EveWriter final : public detect::EventSink {
 public:
  // Does not own `out`. `sensor_name` is written as "host" when non-empty.
  explicit EveWriter(std::FILE* out, std::string sensor_name = {}) : out_(out), sensor_(std::move(sensor_name)) {}

  void on_alert(const detect::OrientedFlow& flow, const detect::MiningSession& session, Timestamp ts) override;
  void on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) override;

  // One "mining_host" record per miner host seen so far (call once, after the last input).
  void write_host_summaries();
  [[nodiscard]] std::uint64_t records() const { return records_; }

 private:
  void write(const fmt::memory_buffer& buf);
  std::FILE* out_;
  std::string sensor_;
  std::uint64_t records_ = 0;
  estimate::HostRollup hosts_;
};

// "2018-03-02T10:11:12.123456+0000", the EVE timestamp format.
std::string format_eve_time(Timestamp ts);
// Splits "wallet.worker" (or "wallet+diff.worker", "user.worker") into wallet and worker.
std::pair<std::string_view, std::string_view> split_login(std::string_view login);

}  // namespace minewatch::events
