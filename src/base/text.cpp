#include "salesproc/base/detail/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace salesproc::detail {

std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0U) == 0x80U; };
    const unsigned char c = b(0);
    if (c < 0x80U) return 1;
    if (c >= 0xC2U && c <= 0xDFU) return cont(1) ? 2 : 0;
    if (c >= 0xE0U && c <= 0xEFU) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0U && b(1) < 0xA0U) return 0;   // overlong
        if (c == 0xEDU && b(1) >= 0xA0U) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xF0U && c <= 0xF4U) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0U && b(1) < 0x90U) return 0;   // overlong
        if (c == 0xF4U && b(1) >= 0x90U) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

bool is_valid_utf8(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

void byte_buffer::free_deleter::operator()(char* p) const noexcept {
    std::free(p);
}

void byte_buffer::grow(std::size_t n) {
    constexpr std::size_t block = 4096;
    std::size_t capacity = std::max(size_ + n, capacity_ * 2 + block);
    capacity = (capacity + block - 1) / block * block;
    std::unique_ptr<char, free_deleter> bigger(
        static_cast<char*>(std::aligned_alloc(block, capacity)));
    if (!bigger) throw std::bad_alloc();
    if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
}

char* write_json_string(char* out, std::string_view s) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    *out++ = '"';
    std::size_t i = 0;
    while (i < s.size()) {
        // Runs of plain ASCII are copied at once: rows are mostly that.
        std::size_t j = i;
        while (j < s.size()) {
            const auto c = static_cast<unsigned char>(s[j]);
            if (c < 0x20U || c >= 0x80U || c == '"' || c == '\\') break;
            ++j;
        }
        out = copy_bytes(out, s.data() + i, j - i);
        i = j;
        if (i == s.size()) break;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80U) {
            const std::size_t n = utf8_sequence(s, i);
            if (n == 0) {
                std::memcpy(out, "\\ufffd", 6);
                out += 6;
                ++i;
            } else {
                std::memcpy(out, s.data() + i, n);
                out += n;
                i += n;
            }
            continue;
        }
        *out++ = '\\';
        switch (c) {
            case '"':
                *out++ = '"';
                break;
            case '\\':
                *out++ = '\\';
                break;
            case '\n':
                *out++ = 'n';
                break;
            case '\r':
                *out++ = 'r';
                break;
            case '\t':
                *out++ = 't';
                break;
            default:
                std::memcpy(out, "u00", 3);
                out += 3;
                *out++ = hex[c >> 4U];
                *out++ = hex[c & 0xFU];
        }
        ++i;
    }
    *out++ = '"';
    return out;
}

char* write_csv_field(char* out, std::string_view s) noexcept {
    bool needs_quotes = !s.empty() && (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' ||
                                       s.back() == '\t');
    bool has_quote = false;
    std::size_t i = 0;
#if defined(__SSE2__)
    // Rows are mostly short plain text: 16 bytes a compare, the last block overlapping.
    if (s.size() >= 16) {
        const __m128i comma = _mm_set1_epi8(',');
        const __m128i lf = _mm_set1_epi8('\n');
        const __m128i cr = _mm_set1_epi8('\r');
        const __m128i quote = _mm_set1_epi8('"');
        int special = 0;
        int quotes = 0;
        auto scan = [&](const char* p) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            special |= _mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                             _mm_cmpeq_epi8(v, cr)));
            quotes |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
        };
        for (; i + 16 <= s.size(); i += 16)
            scan(s.data() + i);
        if (i != s.size()) scan(s.data() + s.size() - 16);
        i = s.size();
        needs_quotes |= special != 0;
        has_quote = quotes != 0;
    }
#endif
    for (; i < s.size(); ++i) {
        const char c = s[i];
        needs_quotes |= c == ',' || c == '\n' || c == '\r';
        has_quote |= c == '"';
    }
    if (!needs_quotes && !has_quote) return copy_bytes(out, s.data(), s.size());
    *out++ = '"';
    if (!has_quote) {
        out = copy_bytes(out, s.data(), s.size());
    } else {
        for (const char c : s) {
            *out++ = c;
            if (c == '"') *out++ = '"';
        }
    }
    *out++ = '"';
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.resize(at + json_string_bound(s.size()));
    out.resize(static_cast<std::size_t>(write_json_string(out.data() + at, s) - out.data()));
}

void append_csv_field(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.resize(at + csv_field_bound(s.size()));
    out.resize(static_cast<std::size_t>(write_csv_field(out.data() + at, s) - out.data()));
}

std::string_view utf8_prefix(std::string_view s, std::size_t limit) noexcept {
    if (s.size() <= limit) return s;
    std::size_t n = limit;
    // Back off over continuation bytes to the start of the sequence that would be cut.
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U)
        --n;
    return s.substr(0, n);
}

void append_shortened(std::string& out, std::string_view s, std::size_t limit) {
    if (s.size() <= limit) {
        out.append(s);
        return;
    }
    out.append(utf8_prefix(s, limit));
    out += "...";
}

std::string shorten(std::string_view s, std::size_t limit) {
    std::string out;
    append_shortened(out, s, limit);
    return out;
}

bool is_json_pointer(std::string_view pointer) noexcept {
    if (pointer.empty()) return true;
    if (pointer.front() != '/') return false;
    for (std::size_t i = 0; i < pointer.size(); ++i)
        if (pointer[i] == '~' &&
            (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')))
            return false;
    return true;
}

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view bytes_open = " [bytes: ";

}  // namespace

std::string shown_name(std::string_view name) {
    if (is_valid_utf8(name) && name.find(replacement) == std::string_view::npos)
        return std::string(name);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        const std::size_t n = utf8_sequence(name, i);
        if (n == 0) {
            out.append(replacement);
            ++i;
        } else {
            out.append(name.substr(i, n));
            i += n;
        }
    }
    out.append(bytes_open);
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto b = static_cast<unsigned char>(name[i]);
        if (i != 0) out += ' ';
        out += hex[b >> 4];
        out += hex[b & 15U];
    }
    out += ']';
    return out;
}

std::string raw_name(std::string_view shown) {
    if (shown.size() < bytes_open.size() + 3 || shown.back() != ']') return std::string(shown);
    const auto open = shown.rfind(bytes_open);
    if (open == std::string_view::npos) return std::string(shown);
    const std::string_view hex =
        shown.substr(open + bytes_open.size(), shown.size() - 1 - open - bytes_open.size());
    if ((hex.size() + 1) % 3 != 0) return std::string(shown);
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 3) {
        unsigned v = 0;
        for (std::size_t k = 0; k < 2; ++k) {
            const char c = hex[i + k];
            const int d =
                c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
            if (d < 0) return std::string(shown);
            v = v * 16 + static_cast<unsigned>(d);
        }
        if (i + 2 < hex.size() && hex[i + 2] != ' ') return std::string(shown);
        bytes += static_cast<char>(v);
    }
    // Only what shown_name really makes: anything else is a name of its own.
    return shown_name(bytes) == shown ? bytes : std::string(shown);
}

}  // namespace salesproc::detail
