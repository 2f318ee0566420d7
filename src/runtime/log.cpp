#include "runtime/log.hpp"

#include <ctime>

#include "spec/json.hpp"

namespace moat::runtime {

std::string now_rfc3339() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm {};
    ::gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
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
