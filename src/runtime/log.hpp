// Where moat's messages go: stderr, and with --log the file in text or in
// the JSON-lines form containerd and Podman read ({"level","msg","time"}).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace moat::runtime {

class Logger {
public:
    Logger() = default;
    Logger(const std::string& path, bool json, bool debug);
    ~Logger();
    Logger(const Logger&) = delete;

    void error(std::string_view msg);
    void warn(std::string_view msg);
    void debug(std::string_view msg);
    bool debug_enabled() const { return debug_; }

private:
    void write(std::string_view level, std::string_view msg);
    FILE* file_ = nullptr;
    bool json_ = false;
    bool debug_ = false;
};

// RFC 3339 with nanoseconds, UTC ("2026-11-24T03:12:45.123456789Z").
std::string now_rfc3339();

}  // namespace moat::runtime
