#include "view_text.hpp"

#include "salesproc/base/detail/text.hpp"

namespace salesproc::detail {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

// Calls `emit(piece)` for each UTF-8 character of `s`, with `replacement` for a byte that is not
// UTF-8 or a control character other than tab and line feed.
template <class Emit>
void for_each_char(std::string_view s, Emit&& emit) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            const bool control = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
            emit(control ? replacement : s.substr(i, 1));
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence(s, i);
        emit(n == 0 ? replacement : s.substr(i, n));
        i += n == 0 ? 1 : n;
    }
}

}  // namespace

std::string grouped(std::string_view decimal) {
    std::string out;
    std::size_t i = 0;
    if (!decimal.empty() && decimal[0] == '-') {
        out += '-';
        i = 1;
    }
    const std::size_t point = decimal.find('.');
    const std::size_t int_end = point == std::string_view::npos ? decimal.size() : point;
    for (std::size_t k = i; k < int_end; ++k) {
        if (k > i && (int_end - k) % 3 == 0) out += ',';
        out += decimal[k];
    }
    out += decimal.substr(int_end);
    return out;
}

std::string money_text(int128 units, unsigned scale) {
    const bool negative = units < 0;
    std::string digits =
        to_string(negative ? static_cast<uint128>(-(units + 1)) + 1 : static_cast<uint128>(units));
    if (scale != 0) {
        if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
        digits.insert(digits.size() - scale, 1, '.');
    }
    return grouped((negative ? "-" : "") + digits);
}

std::string count_text(std::uint64_t n) {
    return grouped(std::to_string(n));
}

std::string percent_text(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return "0.00%";
    // Hundredths of a percent, rounded half up, exactly.
    const uint128 basis = (static_cast<uint128>(part) * 10000 * 2 + whole) / (2 * uint128{whole});
    const auto b = static_cast<std::uint64_t>(basis);
    std::string frac = std::to_string(b % 100);
    if (frac.size() < 2) frac.insert(0, "0");
    return grouped(std::to_string(b / 100)) + "." + frac + "%";
}

std::string duration_text(std::uint64_t ms) {
    if (ms < 1000) return std::to_string(ms) + " ms";
    std::string millis = std::to_string(ms % 1000);
    millis.insert(0, 3 - millis.size(), '0');
    const std::uint64_t s = ms / 1000;
    if (s < 60) return std::to_string(s) + "." + millis + " s";
    return std::to_string(s / 60) + " min " + std::to_string(s % 60) + "." + millis + " s";
}

std::string clipped(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) return std::string(s);
    return std::string(utf8_prefix(s, limit)) + "\xE2\x80\xA6";  // U+2026
}

void append_markup(std::string& out, std::string_view s) {
    for_each_char(s, [&](std::string_view c) {
        switch (c[0]) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    });
}

std::string markup(std::string_view s) {
    std::string out;
    append_markup(out, s);
    return out;
}

std::string markdown_cell(std::string_view s) {
    std::string out;
    for_each_char(s, [&](std::string_view c) {
        switch (c[0]) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '|':
                out += "\\|";
                break;
            case '\n':
            case '\t':
                out += ' ';
                break;
            case '\\':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '!':
            case '~':
                out += '\\';
                out += c;
                break;
            default:
                out += c;
        }
    });
    return out;
}

}  // namespace salesproc::detail
