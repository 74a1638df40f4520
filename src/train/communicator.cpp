#include "neurite/train/communicator.h"

#include <algorithm>

namespace neurite {

namespace {
// A local collective is complete as soon as it is made.
class Done final : public Communicator::Pending {
 public:
  bool done() override { return true; }
  void wait() override {}
};

void copy_part(std::span<const float> from, int from_offset, std::span<float> to, int to_offset, int count) {
  std::copy_n(from.begin() + from_offset, count, to.begin() + to_offset);
}
}  // namespace

std::unique_ptr<Communicator::Pending> LocalWorld::exchange(std::span<const float> send, const Layout& send_layout,
                                                            std::span<float> receive, const Layout& receive_layout) {
  copy_part(send, send_layout.offsets.at(0), receive, receive_layout.offsets.at(0), send_layout.counts.at(0));
  return std::make_unique<Done>();
}

std::unique_ptr<Communicator::Pending> LocalWorld::gather(std::span<const float> mine, std::span<float> all,
                                                          const Layout& layout) {
  copy_part(mine, 0, all, layout.offsets.at(0), layout.counts.at(0));
  return std::make_unique<Done>();
}

void broadcast_text(Communicator& world, std::string& text, int root) {
  if (world.size() == 1) return;
  uint64_t length = text.size();
  world.broadcast(std::as_writable_bytes(std::span<uint64_t>(&length, 1)), root);
  text.resize(length);
  world.broadcast(std::as_writable_bytes(std::span<char>(text.data(), text.size())), root);
}

void broadcast_floats(Communicator& world, std::span<float> values, int root) {
  if (world.size() > 1) world.broadcast(std::as_writable_bytes(values), root);
}

}  // namespace neurite
