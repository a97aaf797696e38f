"""``GET /crm-core/v1/plans/me``."""

from fastapi import APIRouter

from crmcore.api.deps import ContextDep
from crmcore.api.errors import error_responses
from crmcore.api.responses import JsonResponse
from crmcore.plans import service as plan_service
from crmcore.plans.schemas import MyPlan

router = APIRouter(prefix="/plans", tags=["plans"], default_response_class=JsonResponse)


@router.get("/me", name="getMyPlan", responses={200: {"model": MyPlan}} | error_responses())
def my_plan(ctx: ContextDep) -> JsonResponse:
    """The caller's plan: tier, effective limits, usage and subscription state."""
    return JsonResponse(plan_service.my_plan(ctx))
