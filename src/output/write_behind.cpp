#include "salesproc/output/write_behind.hpp"

#include <algorithm>

namespace salesproc {

write_behind::write_behind(sink out, std::size_t max_queued)
    : out_(std::move(out)), max_queued_(std::max<std::size_t>(max_queued, 1)) {
    thread_ = std::thread([this] { run(); });
}

write_behind::~write_behind() {
    (void)close();
}

result<void> write_behind::write(std::string_view data) {
    detail::byte_buffer copy;
    copy.append(data);
    return write(copy);
}

result<void> write_behind::write(detail::byte_buffer& data) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < max_queued_ || failure_; });
    if (failure_) return *failure_;
    queue_.push_back(std::move(data));
    data = detail::byte_buffer();
    if (!spare_.empty()) {
        data = std::move(spare_.back());
        spare_.pop_back();
    }
    changed_.notify_all();
    return {};
}

result<void> write_behind::close() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    if (failure_) return *failure_;
    return {};
}

void write_behind::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) return;  // closing, and everything written
        detail::byte_buffer buffer = std::move(queue_.front());
        queue_.pop_front();
        const bool failed = failure_.has_value();
        lock.unlock();
        result<void> written = failed ? result<void>() : out_(buffer.view());
        lock.lock();
        if (!written && !failure_) failure_ = written.error();
        buffer.clear();
        spare_.push_back(std::move(buffer));
        changed_.notify_all();
    }
}

}  // namespace salesproc
