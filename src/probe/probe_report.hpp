#pragma once
// Probe results for people (a table) and machines (NDJSON, schema/probe.schema.json).
#include <cstdio>
#include <string>
#include <vector>

#include "probe/prober.hpp"

namespace minewatch::probe {

// One NDJSON line (with the trailing newline). `unix_time` is the probe's wall-clock time.
std::string probe_json_line(const ProbeResult& r, double unix_time);
void print_probe_table(std::FILE* out, const std::vector<ProbeResult>& results);
// "dialect=stratum extranonce1=... job_id=..." for evidence details and tables.
std::string probe_detail_text(const ProbeResult& r);

}  // namespace minewatch::probe
