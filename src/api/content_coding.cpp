#include "salesproc/api/content_coding.hpp"

#include "salesproc/input/csv.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <memory>

namespace salesproc {

namespace {

struct inflate_end {
    void operator()(z_stream* z) const {
        inflateEnd(z);
        delete z;
    }
};

}  // namespace

result<std::string> gunzip(std::string_view data, std::uint64_t max_size,
                           const std::string& context) {
    std::unique_ptr<z_stream, inflate_end> z(new z_stream{});
    // 15 + 16: a gzip wrapper (not zlib, not raw deflate) with the largest window.
    if (inflateInit2(z.get(), 15 + 16) != Z_OK)
        throw std::bad_alloc();  // zlib's only failure here is memory
    auto corrupt = [&](std::string_view why) {
        return make_error(errc::bad_encoding, context,
                          "invalid gzip body (" + std::string(why) + ")");
    };
    auto too_large = [&] {
        return make_error(
            errc::body_too_large, context,
            "decoded gzip body exceeds --max-body " + std::to_string(max_size) + " bytes");
    };
    std::string out;
    std::size_t produced = 0;
    // zlib counts in uInt; feed it at most 1 GiB at a time.
    constexpr std::size_t step = std::size_t{1} << 30;
    const auto* next = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t left = data.size();
    for (;;) {
        if (z->avail_in == 0 && left != 0) {
            const std::size_t n = std::min(left, step);
            z->next_in = const_cast<unsigned char*>(next);  // zlib's API is not const-correct
            z->avail_in = static_cast<uInt>(n);
            next += n;
            left -= n;
        }
        // Grow the output (doubling, from 64 KiB) up to one byte past the limit, so an over-long
        // result is detected without ever holding more than that.
        if (produced == out.size()) {
            const std::uint64_t cap = max_size + 1;
            if (out.size() >= cap) return too_large();
            const std::uint64_t grow = std::max<std::uint64_t>(out.size(), std::uint64_t{64} << 10);
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() + grow, cap)));
        }
        const std::size_t room = std::min(out.size() - produced, step);
        z->next_out = reinterpret_cast<unsigned char*>(out.data() + produced);
        z->avail_out = static_cast<uInt>(room);
        const int rc = inflate(z.get(), Z_NO_FLUSH);
        produced += room - z->avail_out;
        if (rc == Z_STREAM_END) {
            if (z->avail_in == 0 && left == 0) break;
            // Another gzip member follows (RFC 1952 allows a concatenation).
            if (inflateReset(z.get()) != Z_OK) return corrupt("reset failed");
            continue;
        }
        if (rc == Z_BUF_ERROR && z->avail_in == 0 && left == 0) return corrupt("truncated");
        if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
            return corrupt(z->msg != nullptr ? z->msg : "data error");
        if (rc == Z_MEM_ERROR) throw std::bad_alloc();
        if (rc != Z_OK && rc != Z_BUF_ERROR) return corrupt("zlib error " + std::to_string(rc));
    }
    if (produced > max_size) return too_large();
    out.resize(produced);
    return out;
}

result<std::string> decode_content(std::string body, std::string_view encoding,
                                   std::uint64_t max_size, const std::string& context) {
    const std::string_view e = csv::trim(encoding);
    using boost::algorithm::iequals;
    if (e.empty() || iequals(e, "identity")) return body;
    if (iequals(e, "gzip") || iequals(e, "x-gzip")) return gunzip(body, max_size, context);
    return make_error(
        errc::bad_encoding, context,
        "unsupported Content-Encoding '" + std::string(encoding) + "' (only gzip was asked for)");
}

}  // namespace salesproc
