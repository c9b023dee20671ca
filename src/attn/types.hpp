// Shared Eigen shapes. Matrices are row-major so that a row is one token
// (a key, a query or a value), matching the flat arrays JavaScript hands us.
#pragma once

#include <Eigen/Core>

namespace attn {

using Index = Eigen::Index;

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Read-only views that accept owned matrices and Eigen::Map over foreign memory alike.
template <typename T>
using MatCRef = Eigen::Ref<const Mat<T>>;
template <typename T>
using VecCRef = Eigen::Ref<const Vec<T>>;
template <typename T>
using VecRef = Eigen::Ref<Vec<T>>;
template <typename T>
using MatRef = Eigen::Ref<Mat<T>>;

}  // namespace attn
