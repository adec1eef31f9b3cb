"""Hub catalogs: which products a destination receives, and which of their values.

A :class:`CatalogSpec` holds Akeneo-style product selection criteria and value filters.

* :func:`validate` / :func:`check` — the spec against the PIM's structure
  (:func:`criterion_problems`, :func:`value_filter_problems`: by line, for an editor).
* :func:`matches` — evaluate the criteria on a product, locally.
* :func:`push_down` — the part Akeneo's ``search`` can run, and the residual criteria.
* :func:`filter_values` / :func:`filter_product` — apply the value filters.
* :class:`Permissions` — the trees, locales and attribute groups a destination may get.
"""

from pimsync.catalogs._match import (
    Requirements,
    category_descendants,
    completeness,
    criterion_matches,
    matches,
)
from pimsync.catalogs._permissions import (
    Permissions,
    PermittedTrees,
    PermittedValues,
    check_permissions,
    permission_problems,
    tree_criterion,
)
from pimsync.catalogs._pushdown import push_down
from pimsync.catalogs._spec import (
    EMPTY_OPERATORS,
    OPERATORS,
    CatalogSpec,
    Criterion,
    Operator,
    ValueFilters,
)
from pimsync.catalogs._validate import check, criterion_problems, validate, value_filter_problems
from pimsync.catalogs._values import filter_product, filter_values

__all__ = [
    "EMPTY_OPERATORS",
    "OPERATORS",
    "CatalogSpec",
    "Criterion",
    "Operator",
    "Permissions",
    "PermittedTrees",
    "PermittedValues",
    "Requirements",
    "ValueFilters",
    "category_descendants",
    "check",
    "check_permissions",
    "completeness",
    "criterion_matches",
    "criterion_problems",
    "filter_product",
    "filter_values",
    "matches",
    "permission_problems",
    "push_down",
    "tree_criterion",
    "validate",
    "value_filter_problems",
]
