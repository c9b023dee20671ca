"""attention_plot takes NumPy arrays and scalars, PyTorch tensors (any device, with or without
grad) and nested lists for every point, points and number field, by duck typing: the package
imports neither library. A bad one is a ValueError naming the field and saying what is wrong
(a shape, a coordinate count, a NaN), never a warning or another exception.
Run with warnings as errors (NumPy's FutureWarning for `array == ""` would fail here)."""

import math
import pathlib
import sys

import pytest

from attention_plot import AttentionPlot

np = pytest.importorskip("numpy")

pytestmark = pytest.mark.filterwarnings("error")

try:
    import torch
except ImportError:  # the tensor tests skip; the fakes below stand in for tensors without it
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

KEYS = [[1.0, 0.0], [0.0, 1.0], [-0.5, 0.25]]
KEYS_TEXT = "1,0;0,1;-0.5,0.25"


def attrs(**fields):
    a = AttentionPlot(**fields).attributes()
    a.pop("controls")
    return a


def refused(name, value, *needles):
    with pytest.raises(ValueError) as e:
        AttentionPlot(**{name: value})
    message = str(e.value)
    assert message.startswith(f"{name}: ") and message.endswith(".") and "\n" not in message, message
    for needle in needles:
        assert needle in message, message
    return message


def test_the_package_imports_neither_numpy_nor_torch():
    import subprocess
    code = ("import sys; import attention_plot; from attention_plot import capture_qkv; "
            "print(sorted(m for m in ('numpy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(pathlib.Path(__file__).resolve().parents[2] / "python")})
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "float16"])
def test_numpy_arrays_of_any_number_type_are_points_and_lists_of_points(dtype):
    keys = np.array([[1, 0], [0, 1], [-1, 0]], dtype=dtype)
    assert attrs(keys=keys, values=keys, query=np.array([1, 0], dtype=dtype)) == {
        "keys": "1,0;0,1;-1,0", "values": "1,0;0,1;-1,0", "query": "1,0"}


def test_float32_values_are_kept_as_their_exact_doubles():
    # 0.1 in float32 is 0.100000001490116…; the plot gets that number, as JavaScript would.
    assert attrs(query=np.array([0.1, 0.5], dtype=np.float32))["query"] == f"{float(np.float32(0.1))!r},0.5"


def test_numpy_scalars_and_0d_arrays_are_numbers():
    assert attrs(n=np.array(8), seed=np.int32(3), spread=np.array(0.25, dtype=np.float32), custom_scale=np.float64(-2.5),
                 query=(np.array(1.0), np.float32(0.5)), keys=[np.array([1, 0]), (np.int8(0), np.array(1.0))]) == {
        "n": "8", "seed": "3", "spread": "0.25", "custom-scale": "-2.5", "query": "1,0.5", "keys": "1,0;0,1"}


def test_the_readme_examples_from_the_issue():
    rng = np.random.default_rng(0)
    keys = np.clip(rng.standard_normal((5, 2)), -1.8, 1.8)
    assert attrs(keys=keys)["keys"].count(";") == 4
    if torch is not None:
        assert attrs(query=torch.tensor([1., .5])) == {"query": "1,0.5"}


@needs_torch
def test_tensors_with_grad_of_any_type_and_on_any_cpu_layout():
    k = torch.tensor(KEYS, requires_grad=True)
    q = (torch.tensor([1.0, 0.5], dtype=torch.float64, requires_grad=True) * 1).t()   # a non-leaf tensor
    assert attrs(keys=k, values=k.T.T, query=q, n=torch.tensor(3), spread=torch.tensor(0.25, requires_grad=True)) == {
        "keys": KEYS_TEXT, "values": KEYS_TEXT, "query": "1,0.5", "n": "3", "spread": "0.25"}
    assert attrs(keys=torch.tensor(KEYS).to(torch.bfloat16)) == {"keys": KEYS_TEXT}
    assert attrs(keys=torch.tensor([[1, 0], [0, 1]], dtype=torch.int64)) == {"keys": "1,0;0,1"}
    assert attrs(keys=torch.tensor(KEYS)[:, [1, 0]].contiguous().T.contiguous().T) == {"keys": "0,1;1,0;0.25,-0.5"}
    assert k.grad is None and k.requires_grad, "the tensor is read, not changed"


@needs_torch
def test_a_tensor_on_the_meta_device_has_no_values_and_says_so():
    refused("keys", torch.empty(3, 2, device="meta"), "could not be read (on device meta)", "; expected a list of")


class FakeTensor:
    """What the package may rely on in a tensor: shape, detach(), cpu(), tolist()."""
    def __init__(self, values, shape, device="cuda:0"):
        self.values, self.shape, self.device, self.calls = values, shape, device, []

    def detach(self):
        self.calls.append("detach")
        return self

    def cpu(self):
        self.calls.append("cpu")
        if self.device == "meta":
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return FakeTensor(self.values, self.shape, "cpu")

    def tolist(self):
        return self.values


def test_a_tensor_like_is_detached_and_copied_to_the_cpu_before_it_is_read():
    t = FakeTensor(KEYS, (3, 2))
    assert attrs(keys=t) == {"keys": KEYS_TEXT}
    assert t.calls == ["detach", "cpu"]
    refused("query", FakeTensor(None, (2,), device="meta"), 'query: "FakeTensor" could not be read (on device meta): '
            "NotImplementedError: Cannot copy out of meta tensor; no data!; expected a point")


def test_anything_with_array_is_read_through_it():
    class Frame:
        def __array__(self, dtype=None):
            return np.array(KEYS)
    assert attrs(keys=Frame()) == {"keys": KEYS_TEXT}


def test_a_large_array_is_refused_by_its_shape_without_being_copied():
    class Huge(FakeTensor):
        def tolist(self):
            raise AssertionError("copied")
    refused("keys", Huge(None, (10**6, 2)), 'keys: "Huge" has 1000000 points; at most 64 are allowed')
    refused("keys", np.zeros((65, 2)), "has 65 points; at most 64 are allowed")


def test_what_has_detach_but_no_shape_is_not_treated_as_a_tensor():
    class Stream:
        def detach(self):
            raise AssertionError("a stream's detach() would close it")
    refused("query", Stream(), 'query: "Stream" is not a point')


@pytest.mark.parametrize("name,value,needles", [
    ("keys", np.zeros((5, 3)), ["is an array of shape (5, 3), but the plot is 2-D: each point has 2 coordinates, not 3"]),
    ("values", np.zeros((4, 1)), ["shape (4, 1), but the plot is 2-D: each point has 2 coordinates, not 1"]),
    ("query", np.zeros(3), ["is an array of shape (3,), but the plot is 2-D: a point has 2 coordinates, not 3"]),
    ("query", np.zeros((1, 2)), ["is an array of shape (1, 2), not one point of shape (2,)"]),
    ("keys", np.zeros((1, 5, 2)), ["is an array of shape (1, 5, 2), not a list of points of shape (m, 2)"]),
    ("keys", np.zeros(2), ["is an array of shape (2,), not a list of points of shape (m, 2)"]),
    ("keys", np.zeros((0, 2)), ["is an array of shape (0, 2), with no points"]),
    ("n", np.array([8, 9]), ['n: "[8,9]" is an array of shape (2,), not a single value; expected a whole number in 1…64']),
    ("spread", np.array([[0.5]]), ["is an array of shape (1, 1), not a single value"]),
])
def test_a_wrong_shape_says_which_shape_and_what_the_field_takes(name, value, needles):
    refused(name, value, *needles)


@needs_torch
def test_a_wrong_shape_tensor_says_the_plot_is_2d():
    refused("keys", torch.randn(5, 3, requires_grad=True), "is an array of shape (5, 3), but the plot is 2-D")


@pytest.mark.parametrize("name,value,needles", [
    ("keys", [[1, 0], [1, 0, 1]], ['has "[1,0,1]", which is not a point "x,y"', '(the plot is 2-D; "[1,0,1]" has 3 coordinates)']),
    ("keys", [[1, 0], [1]], ['has "[1]", which is not a point', "has 1 coordinates"]),
    ("keys", [[1, 0], 5], ['has "5", which is not a point']),
    ("query", [1, 0.5, 2], ['is not a point "x,y"', "(the plot is 2-D; "]),
    ("query", [[1], [0.5]], ['is not a point "x,y"']),
])
def test_ragged_lists_are_refused_naming_the_item(name, value, needles):
    refused(name, value, *needles)


@pytest.mark.parametrize("make", [
    lambda nan: [nan, 0.0], lambda nan: (0.5, nan), lambda nan: np.array([nan, 0.0]), lambda nan: np.array([0.0, -nan]),
], ids=["list", "tuple", "array", "array-inf"])
@pytest.mark.parametrize("nan", [math.nan, math.inf], ids=["nan", "inf"])
def test_nan_and_infinity_are_refused_in_points_and_lists_of_points(make, nan):
    refused("query", make(nan), "is not a point", "not finite")
    refused("keys", [[1, 0], make(nan)], "which is not a point", "not finite")


@needs_torch
def test_nan_in_a_tensor_is_refused():
    refused("keys", torch.tensor([[1.0, 0.0], [math.nan, 0.0]]), "keys: ", "not finite")
    refused("spread", torch.tensor(math.nan), "is not a finite number")


def test_out_of_range_arrays_say_the_range():
    refused("keys", np.array([[2.0, 0.0]]), "has coordinates outside ±1.8")
    refused("n", np.array(100), "is outside 1…64")


def test_an_array_with_a_shape_and_array_but_no_tolist_is_read_through_array():
    class Frame:
        shape = (3, 2)

        def __array__(self, dtype=None):
            return np.array(KEYS)
    assert attrs(keys=Frame()) == {"keys": KEYS_TEXT}
