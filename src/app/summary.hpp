#pragma once
// Collects what a person wants to see after a run: one row per miner host with its pools,
// protocols, agents and shares; printed as a table.
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "detect/engine.hpp"
#include "estimate/host_rollup.hpp"

namespace minewatch::app {

class Summary final : public detect::EventSink {
 public:
  void on_alert(const detect::OrientedFlow&, const detect::MiningSession&, Timestamp) override {}
  void on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) override;

  void print(std::FILE* out) const;
  [[nodiscard]] std::size_t miners() const { return hosts_.size(); }
  [[nodiscard]] std::uint64_t sessions() const { return sessions_; }

 private:
  struct Host {
    std::uint64_t sessions = 0;
    std::set<std::string> pools, protocols, agents;
    detect::ShareCounts shares;
    std::uint64_t bytes = 0;
  };
  std::map<IpAddress, Host> hosts_;
  estimate::HostRollup rollup_;  // coins, hashrate per algorithm, energy, Mbps towards pools
  std::uint64_t sessions_ = 0;
};

// Sends each event to two sinks (e.g. the EVE writer and the summary).
class TeeSink final : public detect::EventSink {
 public:
  TeeSink(detect::EventSink* a, detect::EventSink* b) : a_(a), b_(b) {}
  void on_alert(const detect::OrientedFlow& f, const detect::MiningSession& s, Timestamp ts) override {
    if (a_) a_->on_alert(f, s, ts);
    if (b_) b_->on_alert(f, s, ts);
  }
  void on_session(const detect::OrientedFlow& f, const detect::MiningSession& s) override {
    if (a_) a_->on_session(f, s);
    if (b_) b_->on_session(f, s);
  }

 private:
  detect::EventSink* a_;
  detect::EventSink* b_;
};

}  // namespace minewatch::app
