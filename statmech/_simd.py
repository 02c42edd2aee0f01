"""Explicit SIMD vectors of uint64 words for jitted kernels.

numba has no vector type and LLVM's loop vectorizer leaves a loop over a few words
scalar when its body holds a data-dependent loop (the random-bit rounds of multi-spin
coding). ``U64Vec(width)`` is a numba type lowered to LLVM's ``<width x i64>``; the
intrinsics below are its only operations, each one LLVM instruction (or a few), so a
kernel written with them runs ``width`` words per instruction (AVX2 / AVX-512 on x86,
NEON pairs on ARM; LLVM splits a vector wider than the machine's registers). Widths and
shift counts are compile-time literals.

Elements are words of independent lanes: there is no arithmetic across elements except
:func:`vany` (is any element nonzero) and :func:`vget` (one element).
"""
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, models, register_model

__all__ = ["U64Vec", "vload", "vstore", "vsplat", "vand", "vor", "vxor", "vmul", "vshl", "vshr", "vnot",
           "vany", "vnonzero", "vselect", "vget"]


class U64Vec(types.Type):
    """``width`` uint64 words in one SIMD value."""

    def __init__(self, width):
        self.width = width
        super().__init__(name=f"U64Vec({width})")


@register_model(U64Vec)
class _U64VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.VectorType(ir.IntType(64), fe_type.width))


def _literal(value):
    """A compile-time int: a literal, or the length of a tuple type (a kernel's width can
    come from the type of a tuple it is passed, as in ``vload(words, i, group)``)."""
    if isinstance(value, types.IntegerLiteral):
        return value.literal_value
    if isinstance(value, types.BaseTuple):
        return len(value.types)
    if isinstance(value, U64Vec):
        return value.width
    return None


def _vector_type(width):
    return ir.VectorType(ir.IntType(64), width)


def _element_pointer(context, builder, array_type, array, index, width):
    """Pointer to ``width`` words from element ``index`` (flat, C order) of a uint64 array."""
    data = context.make_array(array_type)(context, builder, array).data
    return builder.bitcast(builder.gep(data, [index]), ir.PointerType(_vector_type(width)))


def _is_word_array(array):
    return isinstance(array, types.Array) and array.dtype == types.uint64 and array.layout == "C"


@intrinsic
def vload(typingctx, array, index, width):
    """Words ``index .. index + width - 1`` of the C-contiguous uint64 ``array`` (flat,
    C order; not bounds-checked). ``width`` a literal int or a tuple (its length)."""
    w = _literal(width)
    if w is None or not _is_word_array(array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        return builder.load(_element_pointer(context, builder, sig.args[0], args[0], args[1], w), align=8)
    return U64Vec(w)(array, index, width), codegen


@intrinsic
def vstore(typingctx, array, index, vector):
    """Store ``vector`` into words ``index ..`` of ``array`` (as :func:`vload`; not a
    read-only array)."""
    if not (isinstance(vector, U64Vec) and _is_word_array(array) and array.mutable
            and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        builder.store(args[2], _element_pointer(context, builder, sig.args[0], args[0], args[1], vector.width),
                      align=8)
        return context.get_dummy_value()
    return types.none(array, index, vector), codegen


@intrinsic
def vsplat(typingctx, word, width):
    """``width`` copies of the integer ``word`` (as uint64)."""
    w = _literal(width)
    if w is None or not isinstance(word, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        value = context.cast(builder, args[0], sig.args[0], types.uint64)
        vector = ir.Constant(_vector_type(w), ir.Undefined)
        for k in range(w):
            vector = builder.insert_element(vector, value, ir.Constant(ir.IntType(32), k))
        return vector
    return U64Vec(w)(word, width), codegen


def _elementwise(operation, doc):
    @intrinsic
    def op(typingctx, a, b):
        if not (isinstance(a, U64Vec) and a == b):
            return None

        def codegen(context, builder, sig, args):
            return getattr(builder, operation)(args[0], args[1])
        return a(a, b), codegen
    op.__doc__ = doc
    return op


vand = _elementwise("and_", "a & b elementwise.")
vor = _elementwise("or_", "a | b elementwise.")
vxor = _elementwise("xor", "a ^ b elementwise.")
vmul = _elementwise("mul", "a * b elementwise, modulo 2^64.")


def _shift(operation, doc):
    @intrinsic
    def op(typingctx, a, count):
        c = _literal(count)
        if not isinstance(a, U64Vec) or c is None or not 0 <= c < 64:
            return None

        def codegen(context, builder, sig, args):
            return getattr(builder, operation)(args[0], ir.Constant(_vector_type(a.width), [c] * a.width))
        return a(a, count), codegen
    op.__doc__ = doc
    return op


vshl = _shift("shl", "a << count elementwise (count a literal in 0..63).")
vshr = _shift("lshr", "a >> count elementwise, logical (count a literal in 0..63).")


@intrinsic
def vnot(typingctx, a):
    """~a elementwise."""
    if not isinstance(a, U64Vec):
        return None

    def codegen(context, builder, sig, args):
        return builder.xor(args[0], ir.Constant(_vector_type(a.width), [(1 << 64) - 1] * a.width))
    return a(a), codegen


@intrinsic
def vany(typingctx, a):
    """True if any element of ``a`` is nonzero."""
    if not isinstance(a, U64Vec):
        return None

    def codegen(context, builder, sig, args):
        whole = ir.IntType(64 * a.width)
        return builder.icmp_unsigned("!=", builder.bitcast(args[0], whole), ir.Constant(whole, 0))
    return types.boolean(a), codegen


@intrinsic
def vnonzero(typingctx, a):
    """All ones in the elements of ``a`` that are nonzero, zero in the others."""
    if not isinstance(a, U64Vec):
        return None

    def codegen(context, builder, sig, args):
        vector = _vector_type(a.width)
        return builder.sext(builder.icmp_unsigned("!=", args[0], ir.Constant(vector, [0] * a.width)), vector)
    return a(a), codegen


@intrinsic
def vselect(typingctx, mask, a, b):
    """Elementwise ``a`` where ``mask`` is all ones, ``b`` where it is zero (``mask`` from
    :func:`vnonzero`: one blend instruction)."""
    if not (isinstance(mask, U64Vec) and mask == a == b):
        return None

    def codegen(context, builder, sig, args):
        vector = _vector_type(a.width)
        chosen = builder.icmp_signed("<", args[0], ir.Constant(vector, [0] * a.width))
        return builder.select(chosen, args[1], args[2])
    return a(mask, a, b), codegen


@intrinsic
def vget(typingctx, a, k):
    """Element ``k`` of ``a`` (not bounds-checked)."""
    if not (isinstance(a, U64Vec) and isinstance(k, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        return builder.extract_element(args[0], builder.trunc(args[1], ir.IntType(32))
                                       if args[1].type.width > 32 else args[1])
    return types.uint64(a, k), codegen
