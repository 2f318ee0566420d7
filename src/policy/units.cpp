// Parsing and formatting of sizes, durations and CPU counts (units.hpp).
#include "units.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace moat::policy::units {
namespace {

// Splits "512MiB" into 512 and "MiB"; fails on an empty or overflowing number.
Result<std::pair<uint64_t, std::string_view>> leading_number(std::string_view text) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range) return fail("\"" + std::string(text) + "\" is too large");
    if (ec != std::errc() || p == text.data()) return fail("\"" + std::string(text) + "\" is not a number");
    return std::pair{n, text.substr(static_cast<size_t>(p - text.data()))};
}

Result<uint64_t> scaled(uint64_t n, uint64_t factor, std::string_view text) {
    if (factor != 0 && n > std::numeric_limits<uint64_t>::max() / factor)
        return fail("\"" + std::string(text) + "\" is too large");
    return n * factor;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
    auto num = leading_number(text);
    if (!num) return fail("size " + num.error().message);
    auto [n, unit] = *num;
    uint64_t factor = 1;
    if (!unit.empty()) {
        switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
            case 'K': factor = 1ull << 10; break;
            case 'M': factor = 1ull << 20; break;
            case 'G': factor = 1ull << 30; break;
            case 'T': factor = 1ull << 40; break;
            case 'B': factor = 1; break;
            default: return fail("size \"" + std::string(text) + "\": unknown unit");
        }
        std::string_view rest = unit.substr(1);
        if (factor != 1) {
            if (rest.starts_with('i')) rest.remove_prefix(1);
            if (rest == "B" || rest == "b") rest = {};
        }
        if (!rest.empty()) return fail("size \"" + std::string(text) + "\": unknown unit");
    }
    return scaled(n, factor, text);
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    auto num = leading_number(text);
    if (!num) return fail("duration " + num.error().message);
    auto [n, unit] = *num;
    uint64_t factor;
    if (unit.empty() || unit == "s") factor = 1000;
    else if (unit == "ms") factor = 1;
    else if (unit == "m") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else return fail("duration \"" + std::string(text) + "\": unit must be ms, s, m or h");
    auto ms = scaled(n, factor, text);
    if (!ms || *ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return fail("duration \"" + std::string(text) + "\" is too large");
    if (*ms == 0) return fail("duration \"" + std::string(text) + "\" must be positive");
    return std::chrono::milliseconds(static_cast<int64_t>(*ms));
}

Result<uint64_t> parse_cpus(std::string_view text) {
    auto num = leading_number(text);
    if (!num) return fail("cpus " + num.error().message);
    auto [whole, rest] = *num;
    uint64_t milli = 0;
    if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() < 2 || rest.size() > 4)
            return fail("cpus \"" + std::string(text) + "\": expected a number like 1 or 1.5");
        uint64_t scale = 100;
        for (char c : rest.substr(1)) {
            if (!std::isdigit(static_cast<unsigned char>(c)))
                return fail("cpus \"" + std::string(text) + "\": expected a number like 1 or 1.5");
            milli += static_cast<uint64_t>(c - '0') * scale;
            scale /= 10;
        }
    }
    auto total = scaled(whole, 1000, text);
    if (!total) return fail("cpus " + total.error().message);
    if (*total + milli == 0) return fail("cpus \"" + std::string(text) + "\" must be positive");
    return *total + milli;
}

std::string format_size(uint64_t bytes) {
    static constexpr const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + names[unit];
}

std::string format_duration(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string format_cpus(uint64_t milli) {
    std::string s = std::to_string(milli / 1000);
    if (uint64_t frac = milli % 1000; frac != 0) {
        std::string f = std::to_string(1000 + frac).substr(1);
        while (f.back() == '0') f.pop_back();
        s += "." + f;
    }
    return s;
}

}  // namespace moat::policy::units
