// Pictures of what a network computes, for `neurite inspect`: the first layer's filters and a
// layer's feature maps for one sample, as sheets of gray tiles (tile_images). Every tile is
// enlarged by nearest neighbour, so a 5x5 filter stays 25 crisp squares instead of a blur, and
// framed in black with white paper between frames, so a tile's edge shows whether its border
// pixels are white (against the frame) or black (against the paper).
#pragma once
#include <cstdint>
#include <span>

#include "neurite/data/image.h"
#include "neurite/tensor.h"

namespace neurite {

constexpr int kTileFrame = 1;  // black pixels around each enlarged tile
constexpr int kTileGap = 4;    // white pixels between neighbouring frames

// Each pixel becomes a zoom x zoom square (zoom 1..64).
GrayImage enlarge(const GrayImage& image, int zoom);

// The zoom (1..16) that makes a tile of `side` pixels about 60 pixels across on screen.
int tile_zoom(int64_t side);

// Values on a gray ramp: `black` and below are 0, `white` and above 255, linear between.
// A value that is not finite, or any value when black == white, is mid-gray (128).
GrayImage ramp_picture(std::span<const float> values, int64_t width, int64_t height, float black, float white);

struct TileSheet {
  GrayImage image;
  float black = 0, white = 0;  // the values drawn black and white, shared by every tile
  int zoom = 1;                // each value is zoom x zoom pixels
  int columns = 1;             // tiles per row
  int64_t tile_width = 0, tile_height = 0;  // one tile, before the zoom
};

// Weights in gray (not a diverging colour map: tiles and PNGs here are 8-bit gray) on one
// symmetric scale shared by every tile: 0 is mid-gray, +max|w| white, -max|w| black, so a weak
// filter looks weak next to a strong one and the sign of a weight is never in doubt.
// Conv weight (O, C, KH, KW): one tile per (filter, channel), a row per filter and a column per
// channel; with one channel the filters run left to right, `columns` per row.
// Dense weight (units, inputs) whose inputs make a square picture: one tile per unit, `columns`
// per row. Any other shape is an Error.
TileSheet filter_sheet(const Tensor& weight, int columns = 8);

// One sample's feature maps, (1, C, H, W) or (C, H, W): one tile per channel, channel 0 first,
// left to right then top to bottom, `columns` per row. One scale for all channels (the lowest
// value black, the highest white), so a quiet channel looks quiet.
TileSheet feature_sheet(const Tensor& maps, int columns = 8);

}  // namespace neurite
