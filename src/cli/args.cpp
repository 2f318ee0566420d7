#include "cli/args.hpp"

namespace moat::cli {

std::string Parsed::get(const std::string& name, const std::string& def) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? def : it->second.back();
}

std::vector<std::string> Parsed::all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

Result<Parsed> parse_args(const std::vector<Flag>& flags, const std::vector<std::string>& args,
                          bool stop_at_positional, const std::string& command) {
    Parsed p;
    auto find = [&](const std::string& name, char short_name) -> const Flag* {
        for (auto& f : flags)
            if ((!name.empty() && f.name == name) || (short_name && f.short_name == short_name)) return &f;
        return nullptr;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            p.positional.insert(p.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (a.size() < 2 || a[0] != '-' || (stop_at_positional && !p.positional.empty())) {
            p.positional.push_back(a);
            continue;
        }
        std::string name, value;
        bool has_value = false;
        const Flag* f = nullptr;
        if (a[1] == '-') {
            name = a.substr(2);
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name.resize(eq);
                has_value = true;
            }
            f = find(name, 0);
        } else {
            // Go's flag package (runc) also accepts single-dash long names: -bundle.
            f = a.size() == 2 ? find("", a[1]) : find(a.substr(1), 0);
            if (a.size() > 2 && !f) {
                if (auto eq = a.find('='); eq != std::string::npos) {
                    f = find(a.substr(1, eq - 1), 0);
                    value = a.substr(eq + 1);
                    has_value = true;
                }
            }
        }
        if (!f) return fail("unknown flag " + a + " for \"" + command + "\" (see moat " + command + " --help)", EINVAL);
        if (f->takes_value) {
            if (!has_value) {
                if (i + 1 >= args.size()) return fail("flag --" + f->name + " needs a value", EINVAL);
                value = args[++i];
            }
            p.values[f->name].push_back(value);
        } else if (has_value && value != "true" && value != "false") {
            return fail("flag --" + f->name + " takes no value", EINVAL);
        } else if (has_value && value == "false") {
            continue;
        }
        p.set.insert(f->name);
    }
    return p;
}

std::string flags_help(const std::vector<Flag>& flags) {
    std::string out;
    for (auto& f : flags) {
        std::string left = "  ";
        left += f.short_name ? std::string("-") + f.short_name + ", " : "    ";
        left += "--" + f.name;
        if (f.takes_value) left += " " + f.value_name;
        if (left.size() < 32) left.resize(32, ' ');
        else left += "  ";
        out += left + f.help + "\n";
    }
    return out;
}

}  // namespace moat::cli
