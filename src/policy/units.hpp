// Sizes, durations and CPU counts as operators write them in policy files
// and annotations ("512M", "1GiB", "30s", "1.5"), and back for messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "moat/error.hpp"

namespace moat::policy::units {

// Bytes: "1048576", "512K", "512M", "1G", "1T", with optional "i" and/or "B"
// ("512MiB", "512Mi", "512MB" all mean 512 * 2^20).
Result<uint64_t> parse_size(std::string_view text);
// Milliseconds: "250ms", "30s", "5m", "1h"; a bare number is seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// Thousandths of a CPU: "1" -> 1000, "0.5" -> 500, "1.25" -> 1250.
Result<uint64_t> parse_cpus(std::string_view text);

std::string format_size(uint64_t bytes);               // "512MiB", "100MiB", "1500B"
std::string format_duration(std::chrono::milliseconds);  // "30s", "250ms", "5m"
std::string format_cpus(uint64_t milli);                 // "1", "1.5"

}  // namespace moat::policy::units
