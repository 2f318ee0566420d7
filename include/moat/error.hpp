// The error contract of libmoat: every fallible function returns Result<T>, an
// std::expected whose error carries errno (0 when not a system error) and a
// message that each layer prefixes with what it was doing, so the user reads
// "create: mount proc on /proc: Operation not permitted".
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace moat {

struct Error {
    int code = 0;          // errno value, 0 when the failure is not a system error
    std::string message;   // full context chain, outermost first

    // Prefix the chain with what the caller was doing.
    Error&& wrap(std::string_view context) && {
        message = std::string(context) + ": " + message;
        return std::move(*this);
    }
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// A failure that is not a system error ("config.json: process.args: expected array").
inline std::unexpected<Error> fail(std::string message, int code = 0) {
    return std::unexpected(Error{code, std::move(message)});
}

// A failure of a system call: the message gets ": strerror(errno)" appended.
inline std::unexpected<Error> sys_fail(std::string message, int code = errno) {
    message += ": ";
    message += std::strerror(code);
    return std::unexpected(Error{code, std::move(message)});
}

// Add context to an error result, passing success through.
template <class T>
Result<T> context(Result<T> r, std::string_view what) {
    if (!r) return std::unexpected(std::move(r.error()).wrap(what));
    return r;
}

}  // namespace moat

// Early return on error (GNU statement expression; GCC and clang both have it).
#define MOAT_TRY(expr)                                                       \
    ({                                                                       \
        auto _moat_r = (expr);                                               \
        if (!_moat_r) return std::unexpected(std::move(_moat_r.error()));    \
        std::move(*_moat_r);                                                 \
    })

#define MOAT_CHECK(expr)                                                     \
    do {                                                                     \
        auto _moat_r = (expr);                                               \
        if (!_moat_r) return std::unexpected(std::move(_moat_r.error()));    \
    } while (0)

// Same, prefixing context to the error.
#define MOAT_CHECK_CTX(expr, ctx)                                            \
    do {                                                                     \
        auto _moat_r = (expr);                                               \
        if (!_moat_r)                                                        \
            return std::unexpected(std::move(_moat_r.error()).wrap(ctx));    \
    } while (0)
