// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title A hostile stake token, for tests only
/// @notice Behaves as a plain token but, when armed, calls back into the staking contract from
/// inside `transfer` and `transferFrom`: the reentrancy test expects the registry to refuse.
contract ReentrantStakeToken {
    mapping(address account => uint256) public balanceOf;
    address public target;
    bytes public callback;

    error CallbackFailed(bytes reason);

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function arm(address target_, bytes calldata callback_) external {
        target = target_;
        callback = callback_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        if (target != address(0)) {
            address called = target;
            target = address(0);
            (bool ok, bytes memory reason) = called.call(callback);
            if (!ok) revert CallbackFailed(reason);
        }
    }
}
