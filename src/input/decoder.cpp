#include "salesproc/input/detail/decoder.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

namespace salesproc::detail {
namespace {

// Stored bytes are read in blocks of this size: big enough that the read calls cost nothing
// next to decoding, small enough to stay in L2 alongside the output.
constexpr std::size_t input_block = std::size_t{256} << 10;

// Each ZSTD_decompressStream call gets exactly this much room to write, whatever the caller
// asked for. zstd decodes a frame in one pass when the room holds its whole content, and the two
// paths word the same corruption differently; a fixed room makes the outcome and the message
// independent of --chunk-size. One zstd block (128 KiB) fits.
constexpr std::size_t zstd_room = std::size_t{128} << 10;

}  // namespace

std::string_view to_string(compression c) noexcept {
    switch (c) {
        case compression::gzip:
            return "gzip";
        case compression::zstd:
            return "zstd";
        case compression::none:
            break;
    }
    return "none";
}

compression sniff_compression(std::string_view head) noexcept {
    if (head.size() >= 2 && head[0] == '\x1f' && head[1] == '\x8b') return compression::gzip;
    if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
        return compression::zstd;
    return compression::none;
}

struct decoder::impl {
    compression format;
    std::string name;
    source raw;
    std::vector<char> input = std::vector<char>(input_block);
    std::size_t input_size = 0;  // bytes of `input` filled by the last refill
    std::uint64_t stored = 0;    // stored bytes read so far
    bool eof = false;

    z_stream z{};
    bool member_done = false;

    ZSTD_DCtx* zstd = nullptr;
    ZSTD_inBuffer zin{nullptr, 0, 0};
    bool frame_open = false;  // inside a frame: its end has not been decoded yet
    // Output decoded when the caller had less than zstd_room left, served before decoding more.
    std::vector<char> staged;
    std::size_t staged_at = 0;
    std::size_t staged_size = 0;

    impl(compression c, std::string n, source r)
        : format(c), name(std::move(n)), raw(std::move(r)) {
        if (format == compression::gzip) {
            // 15 + 16: a gzip wrapper only, with the largest window.
            if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::bad_alloc();
        } else {
            zstd = ZSTD_createDCtx();
            if (zstd == nullptr) throw std::bad_alloc();
        }
    }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() {
        if (format == compression::gzip)
            inflateEnd(&z);
        else
            ZSTD_freeDCtx(zstd);
    }

    // Reads the next block of stored bytes.
    result<void> refill() {
        auto got = raw(input.data(), input.size());
        if (!got) return got.error();
        input_size = *got;
        stored += *got;
        if (*got == 0) eof = true;
        return {};
    }

    error truncated() const {
        return make_error(errc::corrupt_input, name,
                          std::string(to_string(format)) + " stream truncated after " +
                              std::to_string(stored) + " bytes");
    }
    error corrupt(std::uint64_t at, std::string_view why) const {
        return make_error(errc::corrupt_input, name,
                          std::string(to_string(format)) + " data is corrupt at byte " +
                              std::to_string(at) + ": " + std::string(why));
    }

    result<std::size_t> read_gzip(char* dst, std::size_t n) {
        std::size_t produced = 0;
        while (produced < n) {
            if (z.avail_in == 0 && !eof) {
                if (auto r = refill(); !r) return r.error();
                z.next_in = reinterpret_cast<Bytef*>(input.data());
                z.avail_in = static_cast<uInt>(input_size);
            }
            if (member_done) {
                // Another member may follow (cat a.gz b.gz); only the end of input ends it.
                if (z.avail_in == 0 && eof) break;
                if (z.avail_in == 0) continue;
                if (inflateReset(&z) != Z_OK) throw std::bad_alloc();
                member_done = false;
            }
            const std::size_t room = std::min<std::size_t>(n - produced, 1U << 30);
            z.next_out = reinterpret_cast<Bytef*>(dst + produced);
            z.avail_out = static_cast<uInt>(room);
            const int rc = inflate(&z, Z_NO_FLUSH);
            produced += room - z.avail_out;
            if (rc == Z_STREAM_END) {
                member_done = true;
            } else if (rc == Z_BUF_ERROR) {
                // No progress possible: out of input for good, inside a member.
                if (z.avail_in == 0 && eof) return truncated();
            } else if (rc == Z_MEM_ERROR) {
                throw std::bad_alloc();
            } else if (rc != Z_OK) {
                return corrupt(stored - z.avail_in, z.msg != nullptr ? z.msg : "invalid data");
            }
        }
        return produced;
    }

    result<std::size_t> read_zstd(char* dst, std::size_t n) {
        std::size_t produced = std::min(n, staged_size - staged_at);
        if (produced != 0) std::memcpy(dst, staged.data() + staged_at, produced);
        staged_at += produced;
        while (produced < n) {
            if (zin.pos == zin.size && !eof) {
                if (auto r = refill(); !r) return r.error();
                zin = ZSTD_inBuffer{input.data(), input_size, 0};
            }
            // Straight into the caller's buffer when the whole room fits there.
            const bool direct = n - produced >= zstd_room;
            if (!direct && staged.empty()) staged.resize(zstd_room);
            ZSTD_outBuffer out{direct ? dst + produced : staged.data(), zstd_room, 0};
            const std::size_t consumed_before = zin.pos;
            // Frames follow one another (zstd a b > c); the context moves on to the next.
            const std::size_t r = ZSTD_decompressStream(zstd, &out, &zin);
            if (ZSTD_isError(r) != 0U)
                return corrupt(stored - (zin.size - zin.pos), ZSTD_getErrorName(r));
            if (direct) {
                produced += out.pos;
            } else {
                staged_size = out.pos;
                staged_at = std::min(out.pos, n - produced);
                std::memcpy(dst + produced, staged.data(), staged_at);
                produced += staged_at;
            }
            // 0 is returned exactly when a frame is decoded and flushed; any other answer after
            // taking input means the frame goes on.
            if (r == 0)
                frame_open = false;
            else if (zin.pos != consumed_before)
                frame_open = true;
            if (out.pos == 0 && zin.pos == zin.size && eof) {
                if (frame_open) return truncated();
                break;
            }
        }
        return produced;
    }
};

decoder::decoder(compression c, std::string name, source raw)
    : impl_(std::make_unique<impl>(c, std::move(name), std::move(raw))) {}
decoder::decoder(decoder&&) noexcept = default;
decoder::~decoder() = default;

result<std::size_t> decoder::read(char* dst, std::size_t n) {
    return impl_->format == compression::gzip ? impl_->read_gzip(dst, n) : impl_->read_zstd(dst, n);
}

}  // namespace salesproc::detail
