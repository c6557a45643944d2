#pragma once
// Shared between the importers and their tests; not part of the public registry API.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/timestamp.hpp"
#include "registry/registry.hpp"

namespace minewatch::registry {

// What a known CIDR list's file name says its prefixes are: an organisation, or a region.
struct ListTarget {
  Organisation org;
  bool region = false;
  std::string country;
  std::string province;
  std::string city;
};
[[nodiscard]] std::optional<ListTarget> known_list(const std::filesystem::path& path);

[[nodiscard]] Result<ImportReport> import_mmdb(const std::filesystem::path& path, RegistryData& data,
                                               const ImportOptions& options);

}  // namespace minewatch::registry
