// The text importers on arbitrary bytes (the first byte picks the format), then a registry built from
// whatever loaded, looked up at addresses taken from the input. Every match must contain the address.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch;
  using namespace minewatch::registry;
  if (size < 1) return 0;
  static constexpr ImportFormat kFormats[] = {
      ImportFormat::Organisations, ImportFormat::Prefixes, ImportFormat::Mappings, ImportFormat::Ipcat,
      ImportFormat::CidrList,      ImportFormat::Ip2Asn,   ImportFormat::AsnNames, ImportFormat::Auto};
  ImportOptions options;
  options.format = kFormats[data[0] % std::size(kFormats)];
  options.org = "fuzz";
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  RegistryData reg_data;
  auto report = import_text(text, "fuzz.csv", reg_data, options);
  if (report && report->diagnostics.size() > report->rows_rejected + 1) __builtin_trap();
  Registry reg(std::move(reg_data));
  for (std::size_t off = 1; off + 16 <= size; off += 16) {
    for (const IpAddress& ip : {IpAddress::v4(data + off), IpAddress::v6(data + off)}) {
      const Owner o = reg.lookup(ip);
      if (o.prefix && !o.prefix->contains(ip)) __builtin_trap();
      const Owner t = reg.lookup(ip, Timestamp{static_cast<std::int64_t>(data[off]) * 1'000'000'000}, data[off + 1]);
      if (t.mapping && !(t.mapping->public_ip == ip)) __builtin_trap();
    }
  }
  return 0;
}
