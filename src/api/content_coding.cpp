#include "salesproc/api/content_coding.hpp"

#include "salesproc/input/csv.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <memory>

namespace salesproc {

namespace {

// Whether a Content-Encoding is gzip (true) or none (false); any other is errc::bad_encoding.
result<bool> is_gzip(std::string_view encoding, const std::string& context) {
    const std::string_view e = csv::trim(encoding);
    using boost::algorithm::iequals;
    if (e.empty() || iequals(e, "identity")) return false;
    if (iequals(e, "gzip") || iequals(e, "x-gzip")) return true;
    return make_error(
        errc::bad_encoding, context,
        "unsupported Content-Encoding '" + std::string(encoding) + "' (only gzip was asked for)");
}

}  // namespace

class body_decoder::impl {
  public:
    impl(bool gzip, std::uint64_t max_size, std::string context)
        : gzip_(gzip), max_size_(max_size), context_(std::move(context)) {
        if (!gzip_) return;
        z_.reset(new z_stream{});
        // 15 + 16: a gzip wrapper (not zlib, not raw deflate) with the largest window.
        if (inflateInit2(z_.get(), 15 + 16) != Z_OK)
            throw std::bad_alloc();  // zlib's only failure here is memory
        out_.resize(64 << 10);
    }

    result<void> feed(std::string_view in, const sink& out) {
        if (!gzip_) return emit(in, out);
        // zlib counts in uInt; feed it at most 1 GiB at a time.
        constexpr std::size_t step = std::size_t{1} << 30;
        while (!in.empty()) {
            const std::size_t n = std::min(in.size(), step);
            if (auto fed = inflate_some(in.substr(0, n), out); !fed) return fed;
            in.remove_prefix(n);
        }
        return {};
    }

    result<void> finish() {
        if (gzip_ && !ended_) return corrupt("truncated");
        return {};
    }

    std::uint64_t decoded_ = 0;

  private:
    result<void> emit(std::string_view bytes, const sink& out) {
        decoded_ += bytes.size();
        if (decoded_ > max_size_)
            return make_error(errc::body_too_large, context_,
                              std::string(gzip_ ? "decoded gzip body" : "response body") +
                                  " exceeds --max-body " + std::to_string(max_size_) + " bytes");
        return bytes.empty() ? result<void>() : out(bytes);
    }

    error corrupt(std::string_view why) const {
        return make_error(errc::bad_encoding, context_,
                          "invalid gzip body (" + std::string(why) + ")");
    }

    result<void> inflate_some(std::string_view in, const sink& out) {
        z_->next_in = reinterpret_cast<unsigned char*>(const_cast<char*>(in.data()));
        z_->avail_in = static_cast<uInt>(in.size());
        for (;;) {
            if (ended_ && z_->avail_in != 0) {
                // Another gzip member follows (RFC 1952 allows a concatenation).
                if (inflateReset(z_.get()) != Z_OK) return corrupt("reset failed");
                ended_ = false;
            }
            z_->next_out = reinterpret_cast<unsigned char*>(out_.data());
            z_->avail_out = static_cast<uInt>(out_.size());
            const int rc = inflate(z_.get(), Z_NO_FLUSH);
            if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
                return corrupt(z_->msg != nullptr ? z_->msg : "data error");
            if (rc == Z_MEM_ERROR) throw std::bad_alloc();
            if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
                return corrupt("zlib error " + std::to_string(rc));
            if (auto sent = emit({out_.data(), out_.size() - z_->avail_out}, out); !sent)
                return sent;
            if (rc == Z_STREAM_END) {
                ended_ = true;
                if (z_->avail_in == 0) return {};
                continue;
            }
            // A full output buffer may leave more output inside zlib; otherwise it wants input.
            if (z_->avail_out != 0 || rc == Z_BUF_ERROR) return {};
        }
    }

    struct inflate_end {
        void operator()(z_stream* z) const {
            inflateEnd(z);
            delete z;
        }
    };

    bool gzip_;
    std::uint64_t max_size_;
    std::string context_;
    std::unique_ptr<z_stream, inflate_end> z_;
    std::string out_;
    bool ended_ = false;
};

result<body_decoder> body_decoder::make(std::string_view encoding, std::uint64_t max_size,
                                        std::string context) {
    auto gzip = is_gzip(encoding, context);
    if (!gzip) return gzip.error();
    return body_decoder(std::make_unique<impl>(*gzip, max_size, std::move(context)));
}

body_decoder::body_decoder(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
body_decoder::~body_decoder() = default;
body_decoder::body_decoder(body_decoder&&) noexcept = default;
body_decoder& body_decoder::operator=(body_decoder&&) noexcept = default;
result<void> body_decoder::feed(std::string_view encoded, const sink& out) {
    return impl_->feed(encoded, out);
}
result<void> body_decoder::finish() {
    return impl_->finish();
}
std::uint64_t body_decoder::decoded() const noexcept {
    return impl_->decoded_;
}

result<std::string> gunzip(std::string_view data, std::uint64_t max_size,
                           const std::string& context) {
    auto d = body_decoder::make("gzip", max_size, context);
    std::string out;
    const auto append = [&](std::string_view bytes) -> result<void> {
        out.append(bytes);
        return {};
    };
    if (auto fed = d->feed(data, append); !fed) return fed.error();
    if (auto done = d->finish(); !done) return done.error();
    return out;
}

result<std::string> decode_content(std::string body, std::string_view encoding,
                                   std::uint64_t max_size, const std::string& context) {
    auto gzip = is_gzip(encoding, context);
    if (!gzip) return gzip.error();
    return *gzip ? gunzip(body, max_size, context) : result<std::string>(std::move(body));
}

}  // namespace salesproc
