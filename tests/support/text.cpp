// Small text helpers the integration tests share (declared in moat_test.hpp).
#include <fstream>
#include <sstream>

#include "moat_test.hpp"

namespace moat::test {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t'))
        s.pop_back();
    return s;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string line_starting(const std::string& text, std::string_view prefix) {
    for (auto& line : lines_of(text))
        if (line.starts_with(prefix)) return line;
    return "";
}

PolicyFiles::PolicyFiles(std::string_view prefix) : dir_(prefix) {
    std::filesystem::create_directories(receipts());
}

std::string PolicyFiles::write(std::string_view members) {
    std::string path = dir_ / ("policy-" + std::to_string(++count_) + ".json");
    std::ofstream(path) << "{\"receipts\": \"" << receipts() << "\"" << (members.empty() ? "" : ", ")
                        << members << "}\n";
    return path;
}

}  // namespace moat::test
