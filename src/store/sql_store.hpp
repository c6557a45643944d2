#pragma once
// The one Store implementation, over either backend's Connection.
#include "store/store.hpp"

namespace minewatch::store {

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Connection> db, int schema_version);

  const std::string& name() const override { return db_->name(); }
  int schema_version() const override { return version_; }
  Dialect dialect() const override { return db_->dialect(); }

  Result<std::int64_t> add_capture(const CaptureInfo& capture) override;
  Result<IngestResult> add_sessions(std::int64_t capture_id, std::span<const SessionRow> sessions,
                                    std::span<const HostAlert> alerts) override;
  Result<void> put_host_days(std::span<const HostDay> rows) override;
  Result<std::vector<DayCount>> active_ips_per_day(std::optional<Day> from, std::optional<Day> to) override;
  Result<std::vector<HostDay>> host_days(std::optional<Day> from, std::optional<Day> to) override;
  Result<std::vector<SessionRow>> sessions(std::optional<Day> from, std::optional<Day> to) override;
  Result<TableCounts> counts() override;
  Result<std::vector<std::string>> check_consistency() override;
  Result<RegistryCounts> save_registry(const registry::RegistryData& data) override;
  Result<void> load_registry(registry::RegistryData& out) override;
  Result<RegistryCounts> registry_counts() override;

  [[nodiscard]] Connection& connection() { return *db_; }

 private:
  Result<void> write_host_day(const HostDay& h);
  std::unique_ptr<Connection> db_;
  int version_;
};

}  // namespace minewatch::store
