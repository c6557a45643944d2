#pragma once
// Community ID v1 flow hash (github.com/corelight/community-id-spec): lets SOC tools join our
// events with Zeek and Suricata records of the same flow.
#include <cstdint>
#include <string>

#include "core/ip_address.hpp"

namespace minewatch::events {

std::string community_id_v1(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport,
                            std::uint8_t proto, std::uint16_t seed = 0);

}  // namespace minewatch::events
