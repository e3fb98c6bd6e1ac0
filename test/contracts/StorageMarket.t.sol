// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InvariantTest} from "../../contracts/test/InvariantTest.sol";
import {Test} from "../../contracts/test/Test.sol";
import {UniformSlot} from "../../contracts/test/UniformSlot.sol";
import {MarketHandler} from "../../contracts/test/handlers/MarketHandler.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "../../contracts/interfaces/IStorageMarket.sol";
import {ProviderRegistry} from "../../contracts/ProviderRegistry.sol";
import {StorageMarket} from "../../contracts/StorageMarket.sol";
import {Periods} from "../../contracts/types/Period.sol";
import {RequestId, RequestIds} from "../../contracts/types/RequestId.sol";
import {SlotId} from "../../contracts/types/SlotId.sol";

/// @notice Invariant and fuzz tests of the market, over random sequences of requests,
/// fills, proofs, marks, frees, payouts and time: the balance is exactly what is owed,
/// locked collateral is exactly what the held slots back (and never more than stake),
/// nothing is paid twice, and only a slot's host can prove it.
contract StorageMarketTest is Test, InvariantTest {
    ProviderRegistry private _registry;
    StorageMarket private _market;
    MarketHandler private _handler;

    function setUp() public {
        vm.roll(1000);
        vm.warp(1_700_000_000);
        _registry = new ProviderRegistry(
            IProviderRegistry.RegistryConfig({minStake: 1 ether, activationDelay: 60, unbondingPeriod: 1 hours}),
            address(this)
        );
        _market = new StorageMarket(_registry, _config());
        _registry.grantRole(_registry.MARKET_ROLE(), address(_market));
        _handler = new MarketHandler(_market, _registry);
        vm.warp(block.timestamp + 60);

        targetContract(address(_handler));
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = MarketHandler.request.selector;
        selectors[1] = MarketHandler.fill.selector;
        selectors[2] = MarketHandler.fill.selector; // fills twice as often: most slots need one
        selectors[3] = MarketHandler.prove.selector;
        selectors[4] = MarketHandler.mark.selector;
        selectors[5] = MarketHandler.free.selector;
        selectors[6] = MarketHandler.collect.selector;
        selectors[7] = MarketHandler.withdraw.selector;
        selectors[8] = MarketHandler.advance.selector;
        targetSelector(FuzzSelector({addr: address(_handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_balanceEqualsOwed() public view {
        assertEq(address(_market).balance, _owed(), "market balance");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_lockedCollateralIsWhatHeldSlotsBack() public view {
        for (uint256 p = 0; p < _handler.providerCount(); ++p) {
            address provider = _handler.providers(p);
            uint256 backing = 0;
            for (uint256 r = 0; r < _handler.requestCount(); ++r) {
                RequestId requestId = _handler.requests(r);
                for (uint256 i = 0; i < _market.requestInfo(requestId).slots; ++i) {
                    IStorageMarket.SlotInfo memory slot = _market.slotInfo(requestId.slot(i));
                    if (slot.host == provider && slot.state == IStorageMarket.SlotState.Filled) {
                        backing += slot.collateral;
                    }
                }
            }
            IProviderRegistry.ProviderInfo memory info = _registry.providerInfo(provider);
            assertEq(info.lockedCollateral, backing, "locked collateral backs the held slots");
            assertLe(info.lockedCollateral, info.stake, "locked <= stake");
        }
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_nothingPaidTwiceAndOnlyHostsProve() public view {
        assertFalse(_handler.paidTwice(), "something was paid twice");
        assertFalse(_handler.proofByNonHost(), "a proof counted for a slot its sender does not hold");
        uint256 stakes = 0;
        for (uint256 p = 0; p < _handler.providerCount(); ++p) {
            IProviderRegistry.ProviderInfo memory info = _registry.providerInfo(_handler.providers(p));
            stakes += info.stake + info.exitAmount;
        }
        assertEq(address(_registry).balance, stakes, "registry balance");
    }

    /// @notice The handler reaches every action: a sequence that fills, proves, misses,
    /// frees, finishes and pays out, so that the invariant runs explore real states.
    function test_handler_reachesEveryAction() public {
        _handler.request(0, 1, 0, 0, 5000); // client 0, two slots, k = 1, proof every period
        _handler.fill(0, 0, 0);
        _handler.fill(0, 1, 1);
        _handler.advance(10, 10);
        _handler.prove(0, 0, 0); // the host of slot 0
        _handler.prove(0, 1, 0); // not the host of slot 1: refused
        _handler.advance(10, 10);
        _handler.mark(0, 1, 0); // slot 1 missed the period before
        _handler.free(0, 0, 0);
        for (uint256 i = 0; i < 3; ++i) _handler.advance(0, 2999); // past the end
        _handler.collect(0, 1, 1);
        _handler.withdraw(0, 0);
        assertEq(_handler.succeeded(MarketHandler.request.selector), 1, "request");
        assertEq(_handler.succeeded(MarketHandler.fill.selector), 2, "fill");
        assertEq(_handler.succeeded(MarketHandler.prove.selector), 1, "prove");
        assertEq(_handler.succeeded(MarketHandler.mark.selector), 1, "mark");
        assertEq(_handler.succeeded(MarketHandler.free.selector), 1, "free");
        assertEq(_handler.succeeded(MarketHandler.collect.selector), 1, "collect");
        assertEq(_handler.succeeded(MarketHandler.withdraw.selector), 1, "withdraw");
        assertEq(address(_market).balance, 0, "everything paid out");
    }

    /// @notice Whoever calls, only the slot's host gets a proof accepted.
    function testFuzz_submitProofs(address caller) public {
        (RequestId requestId, address host) = _startedOneSlotRequest();
        SlotId slotId = requestId.slot(0);
        vm.roll(block.number + 10 - (block.number % 10) + 1);
        IStorageMarket.SlotProof[] memory proofs = new IStorageMarket.SlotProof[](1);
        proofs[0] = IStorageMarket.SlotProof({slotId: slotId, proof: _proof(requestId, 0)});
        vm.assume(caller != address(vm));
        vm.prank(caller);
        if (caller != host) {
            vm.expectRevert(
                abi.encodeWithSelector(IStorageMarket.StorageMarketNotSlotHost.selector, slotId, caller)
            );
        }
        _market.submitProofs(proofs);
    }

    /// @notice The escrow is exactly n * slotSize * price * duration, and anything else
    /// is refused.
    function testFuzz_requestStorage(uint8 slots, uint64 duration, uint128 price, uint256 sent) public {
        slots = uint8(bound(slots, 1, 8));
        duration = uint64(bound(duration, 1000, 30 days));
        price = uint128(bound(price, 0, 1e9));
        uint256 escrow = _market.requiredEscrow(slots, 262_144, price, duration);
        assertEq(escrow, uint256(slots) * 262_144 * price * duration, "escrow formula");
        sent = bound(sent, 0, escrow * 2 + 1);
        IStorageMarket.Request memory terms = _terms(bytes32(uint256(1)), slots, duration, price);
        vm.deal(address(this), sent);
        if (sent != escrow) {
            vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageMarketWrongEscrow.selector, escrow, sent));
        }
        _market.requestStorage{value: sent}(terms);
    }

    /// @notice A request id, once used, cannot be used again by its client.
    function testFuzz_requestStorage_idsAreNotReused(bytes32 nonce) public {
        IStorageMarket.Request memory terms = _terms(nonce, 1, 1000, 1);
        uint256 escrow = _market.requiredEscrow(1, 262_144, 1, 1000);
        vm.deal(address(this), 2 * escrow);
        RequestId requestId = _market.requestStorage{value: escrow}(terms);
        assertEq(RequestId.unwrap(requestId), RequestId.unwrap(RequestIds.derive(address(this), nonce)), "id");
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageMarketRequestExists.selector, requestId));
        _market.requestStorage{value: escrow}(terms);
    }

    /// @dev What the market owes: every running request's escrow and client pool; for an
    /// ended one, what its client and hosts can still collect.
    function _owed() private view returns (uint256 owed) {
        for (uint256 r = 0; r < _handler.requestCount(); ++r) {
            RequestId requestId = _handler.requests(r);
            IStorageMarket.RequestInfo memory info = _market.requestInfo(requestId);
            if (info.state == IStorageMarket.RequestState.New || info.state == IStorageMarket.RequestState.Started) {
                owed += _handler.escrowOf(requestId) + info.clientPool;
                continue;
            }
            owed += _market.withdrawable(requestId);
            for (uint256 i = 0; i < info.slots; ++i) {
                (uint256 payment,) = _market.collectable(requestId.slot(i));
                owed += payment;
            }
        }
    }

    function _startedOneSlotRequest() private returns (RequestId requestId, address host) {
        host = address(0xABCD);
        vm.deal(host, 10 ether);
        vm.prank(host);
        _registry.register{value: 10 ether}(
            IProviderRegistry.Offer({
                pricePerBytePerSecond: 1,
                maxCollateralPerByte: 1 ether,
                minDuration: 1,
                maxDuration: 365 days,
                capacity: 1 << 40,
                region: "",
                infrastructure: ""
            }),
            "",
            new string[](0)
        );
        vm.warp(block.timestamp + 60);
        IStorageMarket.Request memory terms = _terms(bytes32(uint256(7)), 1, 10_000, 1);
        requestId = RequestIds.derive(address(this), terms.nonce);
        terms.slotRoots[0] = UniformSlot.root(UniformSlot.pattern(0, 256), 10);
        uint256 escrow = _market.requiredEscrow(1, 262_144, 1, 10_000);
        vm.deal(address(this), escrow);
        _market.requestStorage{value: escrow}(terms);
        if (block.number % 10 == 0) vm.roll(block.number + 1);
        // Built before the prank: the SHA-256 precompile call would use the prank up.
        IStorageMarket.Proof memory proof = _proof(requestId, 0);
        vm.prank(host);
        _market.fillSlot(requestId.slot(0), terms.slotRoots[0], proof);
    }

    function _proof(RequestId, uint256) private view returns (IStorageMarket.Proof memory) {
        (bytes memory cells, bytes32[] memory siblings) = UniformSlot.proof(UniformSlot.pattern(0, 256), 10, 8);
        return IStorageMarket.Proof({period: Periods.current(10), cells: cells, siblings: siblings});
    }

    function _terms(bytes32 nonce, uint256 slots, uint64 duration, uint128 price)
        private
        view
        returns (IStorageMarket.Request memory)
    {
        return IStorageMarket.Request({
            nonce: nonce,
            cid: hex"0171",
            slotRoots: new bytes32[](slots),
            providers: new address[](0),
            slotSize: 262_144,
            dataSlots: 1,
            duration: duration,
            pricePerBytePerSecond: price,
            collateralPerByte: 1e12,
            proofProbability: 1,
            expiry: uint64(block.timestamp + 100)
        });
    }

    function _config() private pure returns (IStorageMarket.MarketConfig memory) {
        return IStorageMarket.MarketConfig({
            periodBlocks: 10,
            markingWindow: 10,
            proofSamples: 8,
            cellSize: 256,
            slashPercentage: 10,
            validatorRewardPercentage: 20,
            maxMissedProofs: 3,
            repairRewardPercentage: 10,
            maxDuration: 30 days,
            maxSlots: 8,
            minSlotSize: 262_144,
            maxSlotSize: 1 << 30
        });
    }
}
