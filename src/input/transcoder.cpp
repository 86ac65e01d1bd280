#include "salesproc/input/detail/transcoder.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstring>

namespace salesproc::detail {
namespace {

constexpr std::size_t block = std::size_t{64} << 10;

iconv_t handle(void* cd) noexcept {
    return static_cast<iconv_t>(cd);
}

}  // namespace

bool is_known_encoding(const std::string& name) noexcept {
    const iconv_t cd = ::iconv_open("UTF-8", name.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return false;
    ::iconv_close(cd);
    return true;
}

bool is_utf8_name(std::string_view name) noexcept {
    std::string folded;
    for (const char c : name)
        if (c != '-' && c != '_') folded += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return folded == "UTF8";
}

std::string_view bom_encoding(std::string_view head) noexcept {
    if (head.substr(0, 4) == std::string_view("\xFF\xFE\x00\x00", 4)) return "UTF-32LE";
    if (head.substr(0, 4) == std::string_view("\x00\x00\xFE\xFF", 4)) return "UTF-32BE";
    if (head.substr(0, 2) == "\xFF\xFE") return "UTF-16LE";
    if (head.substr(0, 2) == "\xFE\xFF") return "UTF-16BE";
    return {};
}

result<std::unique_ptr<transcoder>> transcoder::open(const std::string& encoding, std::string name,
                                                     source raw) {
    const iconv_t cd = ::iconv_open("UTF-8", encoding.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return make_error(errc::invalid_argument, "--encoding " + encoding,
                          "not an encoding iconv knows (iconv -l lists them)");
    return std::unique_ptr<transcoder>(
        new transcoder(cd, encoding, std::move(name), std::move(raw)));
}

transcoder::transcoder(void* cd, std::string encoding, std::string name, source raw)
    : cd_(cd),
      encoding_(std::move(encoding)),
      name_(std::move(name)),
      raw_(std::move(raw)),
      in_(new char[block]),
      out_(new char[block]) {}

transcoder::~transcoder() {
    ::iconv_close(handle(cd_));
}

result<std::size_t> transcoder::read(char* dst, std::size_t n) {
    if (out_begin_ == out_end_ && !done_)
        if (auto r = fill(); !r) return r.error();
    const std::size_t k = std::min(n, out_end_ - out_begin_);
    std::memcpy(dst, out_.get() + out_begin_, k);
    out_begin_ += k;
    return k;
}

// Input after what is left of the last block (an incomplete character moves to the front).
result<void> transcoder::read_more() {
    if (in_begin_ != 0) {
        std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    auto got = raw_(in_.get() + in_end_, block - in_end_);
    if (!got) return got.error();
    if (*got == 0) raw_done_ = true;
    in_end_ += *got;
    return {};
}

// Converts until some output is ready or the input is done.
result<void> transcoder::fill() {
    out_begin_ = out_end_ = 0;
    while (out_end_ == 0 && !done_) {
        if (in_begin_ == in_end_ && !raw_done_)
            if (auto r = read_more(); !r) return r;
        char* in = in_.get() + in_begin_;
        std::size_t in_left = in_end_ - in_begin_;
        char* out = out_.get();
        std::size_t out_left = block;
        const bool last = raw_done_ && in_left == 0;
        const std::size_t rc = last ? ::iconv(handle(cd_), nullptr, nullptr, &out, &out_left)
                                    : ::iconv(handle(cd_), &in, &in_left, &out, &out_left);
        const int e = rc == static_cast<std::size_t>(-1) ? errno : 0;
        consumed_ += static_cast<std::uint64_t>(in - (in_.get() + in_begin_));
        in_begin_ = static_cast<std::size_t>(in - in_.get());
        out_end_ = static_cast<std::size_t>(out - out_.get());
        if (last) done_ = true;
        if (e == EILSEQ)
            return make_error(errc::corrupt_input, name_,
                              "not valid " + encoding_ + " at byte " + std::to_string(consumed_) +
                                  ": check --encoding");
        if (e == EINVAL) {  // the block ends inside a character
            if (raw_done_)
                return make_error(errc::corrupt_input, name_,
                                  "the input ends inside a " + encoding_ + " character");
            if (out_end_ == 0)
                if (auto r = read_more(); !r) return r;
        }
    }
    return {};
}

}  // namespace salesproc::detail
