// An option nobody declared, named before anything else CLI11 would say about the command line
// (a typo in --out must not read as "--out is required"), with the closest option it may mean.
#include "salesproc/cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace salesproc {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// "-5", "-0.25": a negative number given as a value, not an option.
bool looks_numeric(std::string_view arg) {
    return arg.size() > 1 &&
           (std::isdigit(static_cast<unsigned char>(arg[1])) != 0 || arg[1] == '.');
}

}  // namespace

std::optional<std::string> unknown_option(const CLI::App& app, int argc, const char* const* argv) {
    std::vector<std::string> longs;
    std::vector<std::string> shorts;
    for (const CLI::Option* opt : app.get_options()) {
        for (const auto& n : opt->get_lnames())
            longs.push_back(n);
        for (const auto& n : opt->get_snames())
            shorts.push_back(n);
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") break;  // positional from here on
        if (arg.size() < 2 || arg[0] != '-' || looks_numeric(arg)) continue;
        if (arg[1] != '-') {
            // A short option, or several in one (-qv): each letter must be one.
            for (const char c : arg.substr(1))
                if (std::find(shorts.begin(), shorts.end(), std::string(1, c)) == shorts.end())
                    return "unknown option '" + std::string(arg) + "'";
            continue;
        }
        const std::string name(arg.substr(2, arg.find('=') == std::string_view::npos
                                                 ? std::string_view::npos
                                                 : arg.find('=') - 2));
        if (std::find(longs.begin(), longs.end(), name) != longs.end()) continue;
        std::string message = "unknown option '--" + name + "'";
        std::size_t best = name.size() / 3 + 2;
        std::string guess;
        for (const auto& known : longs) {
            if (app.get_option_no_throw("--" + known)->get_group().empty()) continue;  // hidden
            const std::size_t d = edit_distance(name, known);
            if (d < best) {
                best = d;
                guess = known;
            }
        }
        if (!guess.empty()) message += " (did you mean '--" + guess + "'?)";
        return message;
    }
    return std::nullopt;
}

}  // namespace salesproc
