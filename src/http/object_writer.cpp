#include "http/object_writer.hpp"

#include "salesproc/api/s3_upload.hpp"

#include <boost/beast/http.hpp>

#include <mutex>
#include <optional>

namespace salesproc::http_detail {
namespace {

asio::awaitable<attempt_or<exchange>> send_body(remote_context& ctx, const request_plan& plan,
                                                const std::string& method,
                                                const std::string& body) {
    const route way = ctx.proxies.route_for(plan.url);
    header_fields fields = plan.fields;
    fields.emplace_back("Content-MD5", content_md5(body));
    detail::get_options o;
    o.method = method;
    o.user_agent = ctx.settings.user_agent;
    o.accept_encoding = "identity";
    o.headers = &fields;
    const detail::request_head head = detail::make_get(plan.url, way, true, o);
    http::request<http::string_body> req{http::string_to_verb(head.method), head.target, 11};
    for (const auto& [name, value] : head.fields)
        req.set(name, value);
    req.set(http::field::accept, "*/*");
    req.body() = body;
    req.prepare_payload();
    co_return co_await send_request(ctx.exchange, plan.url, way, req);
}

// Runs `a` on ctx's executor and waits for it here (never ctx's own thread).
template <class T>
T wait_for(remote_context& ctx, asio::awaitable<T> a) {
    return block_on(ctx.ex, std::move(a));
}

// Buffers up to one part; past it, a multipart upload whose parts go as they fill, one at a
// time from the writer's thread, so memory stays at about two parts whatever the size.
class object_output final : public remote_output {
  public:
    object_output(std::shared_ptr<remote_context> ctx, std::string shown, upload_target target)
        : ctx_(std::move(ctx)), shown_(std::move(shown)), target_(std::move(target)) {}
    ~object_output() override { abort(); }

    result<void> write(std::string_view data) override {
        std::lock_guard lock(mu_);
        if (failed_) return *failed_;
        while (!data.empty()) {
            const std::size_t n = std::min(upload_part_size - buffer_.size(), data.size());
            buffer_.append(data.substr(0, n));
            data.remove_prefix(n);
            if (buffer_.size() == upload_part_size)
                if (auto r = send_part(); !r) return fail(r.error());
        }
        return {};
    }

    result<void> finish() override {
        std::lock_guard lock(mu_);
        if (failed_) return *failed_;
        if (!upload_id_.empty() && !buffer_.empty())
            if (auto r = send_part(); !r) return fail(r.error());
        return {};
    }

    result<void> publish() override {
        std::lock_guard lock(mu_);
        if (failed_) return *failed_;
        if (upload_id_.empty()) {
            auto put = wait_for(*ctx_, send_upload(*ctx_, target_("PUT", {}), "PUT", buffer_));
            if (!put) return fail(put.error());
            published_ = true;
            return {};
        }
        auto done = wait_for(*ctx_, send_upload(*ctx_, target_("POST", upload_id_query(upload_id_)),
                                                "POST", complete_upload_body(etags_)));
        if (!done) return fail(done.error());
        if (const std::string why = complete_upload_failure(done->body); !why.empty())
            return fail(make_error(errc::bad_response, shown_, "completing the upload: " + why));
        published_ = true;
        return {};
    }

    // After it, every call fails: a writer still running (a signal came) starts no new upload.
    void abort() noexcept override {
        std::lock_guard lock(mu_);
        if (published_) return;
        if (!failed_) failed_ = make_error(errc::interrupted, shown_, "the upload was abandoned");
        abort_upload();
    }

  private:
    result<void> send_part() {
        if (upload_id_.empty()) {
            auto created = wait_for(
                *ctx_, send_upload(*ctx_, target_("POST", create_upload_query()), "POST", ""));
            if (!created) return created.error();
            auto id = parse_upload_id(created->body);
            if (!id) return error{id.error().code, shown_, id.error().reason};
            upload_id_ = std::move(*id);
        }
        if (etags_.size() == max_upload_parts)
            return make_error(errc::body_too_large, shown_,
                              "more than " + std::to_string(max_upload_parts) + " parts of " +
                                  std::to_string(upload_part_size) + " bytes");
        auto part = wait_for(
            *ctx_,
            send_upload(*ctx_, target_("PUT", upload_part_query(etags_.size() + 1, upload_id_)),
                        "PUT", buffer_));
        buffer_.clear();
        if (!part) return part.error();
        etags_.push_back(part->etag);
        return {};
    }
    // Called with mu_ held: the upload aborted, and `e` returned from now on.
    error fail(error e) {
        abort_upload();
        failed_ = e;
        return e;
    }
    // Best effort: an upload never completed is never an object, and a lifecycle rule removes
    // its parts.
    void abort_upload() noexcept {
        if (upload_id_.empty()) return;
        const std::string id = std::exchange(upload_id_, {});
        try {
            (void)wait_for(
                *ctx_, send_upload(*ctx_, target_("DELETE", upload_id_query(id)), "DELETE", ""));
        } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to do on the way out
        }
    }

    std::shared_ptr<remote_context> ctx_;
    std::string shown_;
    upload_target target_;
    std::mutex mu_;
    std::string buffer_;
    std::string upload_id_;
    std::vector<std::string> etags_;
    bool published_ = false;
    std::optional<error> failed_;  // a failure or an abort, returned by every later call
};

}  // namespace

asio::awaitable<result<upload_answer>> send_upload(remote_context& ctx, const remote_target& target,
                                                   std::string method, std::string body) {
    // A coroutine of its own, so that the request plan lives as long as its sending.
    const attempt_sender put = [&]() -> asio::awaitable<attempt_or<exchange>> {
        co_return co_await send_body(ctx, target.plan(), method, body);
    };
    auto got = co_await exchange_small(ctx, target, put, std::size_t{1} << 20);
    if (!got) co_return got.error();
    co_return upload_answer{std::move(got->head.etag), std::move(got->body)};
}

std::unique_ptr<remote_output> make_object_output(std::shared_ptr<remote_context> ctx,
                                                  std::string shown, upload_target target) {
    return std::make_unique<object_output>(std::move(ctx), std::move(shown), std::move(target));
}

}  // namespace salesproc::http_detail
