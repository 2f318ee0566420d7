#include "runtime/log.hpp"

#include <chrono>
#include <cstdio>

#include "spec/json.hpp"

namespace moat::runtime {

std::string now_rfc3339() {
    // std::chrono's calendar, not gmtime_r/strftime: glibc's run tzset, which
    // loads /etc/localtime on `moat start`'s path for a time that is UTC anyway.
    using namespace std::chrono;
    auto now = system_clock::now();
    auto day = floor<days>(now);
    year_month_day date(day);
    hh_mm_ss time(floor<nanoseconds>(now - day));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%09lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                  static_cast<long long>(time.seconds().count()), static_cast<long long>(time.subseconds().count()));
    return buf;
}

Logger::Logger(const std::string& path, bool json, bool debug) : json_(json), debug_(debug) {
    if (!path.empty()) file_ = std::fopen(path.c_str(), "ae");
}

Logger::~Logger() {
    if (file_) std::fclose(file_);
}

void Logger::write(std::string_view level, std::string_view msg) {
    if (file_) {
        if (json_) {
            json::Writer w;
            w.begin_object().field("level", level).field("msg", msg).field("time", now_rfc3339());
            w.end_object();
            std::fprintf(file_, "%s\n", w.str().c_str());
        } else {
            std::fprintf(file_, "%s %s: %.*s\n", now_rfc3339().c_str(), std::string(level).c_str(),
                         static_cast<int>(msg.size()), msg.data());
        }
        std::fflush(file_);
    }
    // Engines read the log file; a person at a shell reads stderr.
    if (level != "debug" || !file_)
        std::fprintf(stderr, "moat: %.*s\n", static_cast<int>(msg.size()), msg.data());
}

void Logger::error(std::string_view msg) { write("error", msg); }
void Logger::warn(std::string_view msg) { write("warning", msg); }
void Logger::debug(std::string_view msg) {
    if (debug_) write("debug", msg);
}

}  // namespace moat::runtime
