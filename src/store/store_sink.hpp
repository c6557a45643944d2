#pragma once
// An EventSink that writes mining sessions, their evidence and the hosts' first alerts into a Store,
// one capture at a time, in transactions of up to `batch` sessions (a crash loses at most the open
// batch; everything committed stays).
#include <string>
#include <vector>

#include "detect/engine.hpp"
#include "store/store.hpp"

namespace minewatch::store {

// Content identity of a capture file: SHA-256 over its size and its first and last MiB (hex).
[[nodiscard]] Result<std::string> capture_fingerprint(const std::string& path);

// The stored form of one mining session.
[[nodiscard]] SessionRow session_row(const detect::OrientedFlow& flow, const detect::MiningSession& session);

class StoreSink final : public detect::EventSink {
 public:
  explicit StoreSink(Store& store, std::size_t batch = 1000) : store_(store), batch_(batch) {}

  // Registers the capture; sessions until end_capture() belong to it.
  [[nodiscard]] Result<void> begin_capture(const std::string& path);
  // Commits what is buffered.
  [[nodiscard]] Result<void> end_capture();

  void on_alert(const detect::OrientedFlow& flow, const detect::MiningSession& session, Timestamp ts) override;
  void on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) override;

  // The first write error, if any (later events are dropped once one occurred).
  [[nodiscard]] const std::optional<Error>& error() const { return error_; }
  [[nodiscard]] const IngestResult& totals() const { return totals_; }

 private:
  Result<void> flush(bool final);

  Store& store_;
  std::size_t batch_;
  std::int64_t capture_id_ = -1;
  std::vector<SessionRow> pending_;
  std::vector<HostAlert> alerts_;
  IngestResult totals_;
  std::optional<Error> error_;
};

}  // namespace minewatch::store
