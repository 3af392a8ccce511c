// Shared ML code for the examples (not part of the library): a deterministic 2-D dataset and a
// logistic regression trained by full-batch gradient descent.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace ml {

struct Sample {
  double x1 = 0, x2 = 0;
  int label = 0;
};

struct Dataset {
  std::vector<Sample> train, test;
};

/// Two Gaussian blobs (label 0 around (-1,-1), label 1 around (+1,+1)), shuffled, split 75/25.
/// Box-Muller over std::mt19937 (whose output the standard fixes) keeps the data identical on
/// every standard library, unlike std::normal_distribution.
inline Dataset make_blobs(std::size_t rows, std::uint32_t seed, double spread = 0.9) {
  std::mt19937 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  auto gauss = [&] { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); };
  std::vector<Sample> all(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const int label = static_cast<int>(i % 2);
    const double centre = label ? 1.0 : -1.0;
    all[i] = Sample{centre + spread * gauss(), centre + spread * gauss(), label};
  }
  for (std::size_t i = rows; i > 1; --i) std::swap(all[i - 1], all[rng() % i]);  // Fisher-Yates
  Dataset d;
  const std::size_t cut = rows * 3 / 4;
  d.train.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(cut));
  d.test.assign(all.begin() + static_cast<std::ptrdiff_t>(cut), all.end());
  return d;
}

struct Model {
  double w1 = 0, w2 = 0, b = 0;
  double predict(const Sample& s) const { return 1.0 / (1.0 + std::exp(-(w1 * s.x1 + w2 * s.x2 + b))); }
};

/// Log loss of `m` on `data`.
inline double log_loss(const Model& m, const std::vector<Sample>& data) {
  double sum = 0;
  for (const Sample& s : data) {
    const double p = std::min(std::max(m.predict(s), 1e-12), 1 - 1e-12);
    sum -= s.label ? std::log(p) : std::log(1 - p);
  }
  return data.empty() ? 0 : sum / static_cast<double>(data.size());
}

/// Full-batch gradient descent on the log loss. `keep_going` is polled once per epoch, so a
/// task timeout or a cancellation (TaskContext::stop_requested) stops the training early.
template <class KeepGoing>
Model train_logistic_regression(const std::vector<Sample>& data, double learning_rate, int epochs,
                                KeepGoing&& keep_going) {
  Model m;
  const double n = static_cast<double>(data.size());
  for (int epoch = 0; epoch < epochs && keep_going(); ++epoch) {
    double g1 = 0, g2 = 0, gb = 0;
    for (const Sample& s : data) {
      const double err = m.predict(s) - s.label;
      g1 += err * s.x1;
      g2 += err * s.x2;
      gb += err;
    }
    m.w1 -= learning_rate * g1 / n;
    m.w2 -= learning_rate * g2 / n;
    m.b -= learning_rate * gb / n;
  }
  return m;
}
inline Model train_logistic_regression(const std::vector<Sample>& data, double learning_rate, int epochs) {
  return train_logistic_regression(data, learning_rate, epochs, [] { return true; });
}

/// Share of samples classified correctly at threshold 0.5.
inline double accuracy(const Model& m, const std::vector<Sample>& data) {
  std::size_t ok = 0;
  for (const Sample& s : data) ok += (m.predict(s) >= 0.5) == (s.label == 1);
  return data.empty() ? 0 : static_cast<double>(ok) / static_cast<double>(data.size());
}

}  // namespace ml
