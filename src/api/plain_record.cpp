#include "plain_record.hpp"

#include <cstdint>
#include <cstring>

namespace salesproc::detail {
namespace {

constexpr int max_plain_depth = 32;  // well within max_json_depth: deeper lines go the long way

constexpr std::uint64_t every_byte(std::uint8_t b) noexcept {
    return 0x0101010101010101ULL * b;
}

// The bytes of `w` that are zero, as their high bits; exact up to the first one (SWAR).
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept {
    return (w - every_byte(0x01)) & ~w & every_byte(0x80);
}

// One well-formed UTF-8 sequence of 2 to 4 bytes at p (RFC 3629: no overlong form, no
// surrogate, nothing past U+10FFFF); its length, or 0.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
    const unsigned c = p[0];
    const auto left = static_cast<std::size_t>(end - p);
    const auto tail = [&](std::size_t from, std::size_t n) {
        for (std::size_t i = from; i < n; ++i)
            if ((p[i] & 0xC0U) != 0x80U) return false;
        return true;
    };
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && tail(1, 2) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3) return 0;
        const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
        const unsigned hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && tail(2, 3) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4) return 0;
        const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
        const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && tail(2, 4) ? 4 : 0;
    }
    return 0;
}

class plain_reader {
  public:
    plain_reader(std::string_view line, record_fields& fields)
        : p_(reinterpret_cast<const unsigned char*>(line.data())),
          end_(p_ + line.size()),
          fields_(fields) {}

    bool read() {
        if (p_ == end_ || *p_ != '{' || !object(1, true)) return false;
        skip_space();
        return p_ == end_;
    }

  private:
    void skip_space() noexcept {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n'))
            ++p_;
    }
    bool at(unsigned char c) noexcept { return p_ != end_ && *p_ == c; }

    // At '"': the string's bytes, p_ past its closing quote; false when it is not plain.
    bool string(std::string_view& out) noexcept {
        const unsigned char* begin = ++p_;
        for (;;) {
            // Eight bytes at a time to the first quote, backslash, control or non-ASCII byte.
            while (end_ - p_ >= 8) {
                std::uint64_t w = 0;
                std::memcpy(&w, p_, 8);
                const std::uint64_t stop =
                    zero_bytes(w ^ every_byte('"')) | zero_bytes(w ^ every_byte('\\')) |
                    ((w - every_byte(0x20)) & ~w & every_byte(0x80)) | (w & every_byte(0x80));
                if (stop != 0) {
                    p_ += __builtin_ctzll(stop) / 8;
                    break;
                }
                p_ += 8;
            }
            if (p_ == end_) return false;
            const unsigned c = *p_;
            if (c == '"') {
                out = {reinterpret_cast<const char*>(begin), static_cast<std::size_t>(p_ - begin)};
                ++p_;
                return true;
            }
            if (c == '\\' || c < 0x20) return false;
            if (c >= 0x80) {
                const std::size_t n = utf8_sequence(p_, end_);
                if (n == 0) return false;
                p_ += n;
            } else {
                ++p_;
            }
        }
    }

    // At '-' or a digit: -?(0|[1-9][0-9]*)(.[0-9]+)?, and no exponent.
    bool number(std::string_view& out) noexcept {
        const unsigned char* begin = p_;
        const auto digit = [this] { return p_ != end_ && *p_ >= '0' && *p_ <= '9'; };
        if (*p_ == '-') ++p_;
        if (!digit()) return false;
        if (*p_++ != '0')
            while (digit())
                ++p_;
        if (at('.')) {
            ++p_;
            if (!digit()) return false;
            while (digit())
                ++p_;
        }
        if (at('e') || at('E')) return false;
        out = {reinterpret_cast<const char*>(begin), static_cast<std::size_t>(p_ - begin)};
        return true;
    }

    bool literal(std::string_view word) noexcept {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::memcmp(p_, word.data(), word.size()) != 0)
            return false;
        p_ += word.size();
        return true;
    }

    // A value; `field`: it is a top-level value of the record, reported when a rule field's.
    bool value(int depth, bool field) {
        const bool wanted = field && fields_.wants_value();
        std::string_view text;
        switch (p_ == end_ ? 0 : *p_) {
            case '"':
                if (!string(text)) return false;
                if (wanted) fields_.value(field_value_seen::kind::string, text, true);
                return true;
            case '{':
                if (wanted) fields_.value(field_value_seen::kind::other, "object", true);
                return depth < max_plain_depth && object(depth + 1, false);
            case '[':
                if (wanted) fields_.value(field_value_seen::kind::other, "array", true);
                return depth < max_plain_depth && array(depth + 1);
            case 't':
            case 'f':
                if (!literal(*p_ == 't' ? "true" : "false")) return false;
                if (wanted) fields_.value(field_value_seen::kind::other, "boolean", true);
                return true;
            case 'n':
                if (!literal("null")) return false;
                if (wanted) fields_.value(field_value_seen::kind::other, "null", true);
                return true;
            default:
                if (p_ == end_ || (*p_ != '-' && (*p_ < '0' || *p_ > '9')) || !number(text))
                    return false;
                if (wanted) fields_.value(field_value_seen::kind::number, text, true);
                return true;
        }
    }

    // At '{'; `top`: the record itself, whose keys name its fields.
    bool object(int depth, bool top) {
        ++p_;
        skip_space();
        if (at('}')) {
            ++p_;
            return true;
        }
        for (;;) {
            std::string_view key;
            if (!at('"') || !string(key)) return false;
            skip_space();
            if (!at(':')) return false;
            ++p_;
            skip_space();
            if (top) fields_.key(key);
            if (!value(depth, top)) return false;
            skip_space();
            if (at('}')) {
                ++p_;
                return true;
            }
            if (!at(',')) return false;
            ++p_;
            skip_space();
        }
    }

    bool array(int depth) {
        ++p_;
        skip_space();
        if (at(']')) {
            ++p_;
            return true;
        }
        for (;;) {
            if (!value(depth, false)) return false;
            skip_space();
            if (at(']')) {
                ++p_;
                return true;
            }
            if (!at(',')) return false;
            ++p_;
            skip_space();
        }
    }

    const unsigned char* p_;
    const unsigned char* end_;
    record_fields& fields_;
};

}  // namespace

bool read_plain_record(std::string_view line, record_fields& fields) {
    return plain_reader(line, fields).read();
}

plain_outcome add_plain_record(std::string_view text, std::string_view readable, plain_context& c,
                               const rules& r, api_records& out) {
    // With --rejects every row comes from a tape (see record_handler), and a text that might be
    // too large is the parser's to measure.
    if (out.rejects.lists_all() || !cannot_be_too_large(text.size(), c.max_record_size))
        return plain_outcome::parse;
    c.fields.begin();
    if (!read_plain_record(text, c.fields)) return plain_outcome::parse;
    c.rec.object = true;
    c.fields.finish(c.rec);
    c.rec.raw = text;
    c.rec.row = {};
    c.rec.readable = readable;
    return add_record(c.rec, r, out) ? plain_outcome::added : plain_outcome::overflow;
}

}  // namespace salesproc::detail
